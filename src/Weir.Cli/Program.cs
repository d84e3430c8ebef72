using System.CommandLine;
using Weir.Cli;

var root = new RootCommand("Weir: a Kafka-compatible event streaming platform in one binary.");
root.Subcommands.Add(StartCommand.Create());
root.Subcommands.Add(Weir.Cli.Tools.ConsoleProducerCommand.Create());
root.Subcommands.Add(Weir.Cli.Tools.ProducerPerfTestCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
