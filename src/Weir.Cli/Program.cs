using System.CommandLine;
using Weir.Cli;
using Weir.Cli.Tools;

var root = new RootCommand("Weir: a Kafka-compatible event streaming platform in one binary.");
root.Subcommands.Add(StartCommand.Create());
root.Subcommands.Add(TopicsCommand.Create());
root.Subcommands.Add(ConsumerGroupsCommand.Create());
root.Subcommands.Add(ConfigsCommand.Create());
root.Subcommands.Add(GetOffsetsCommand.Create());
root.Subcommands.Add(DeleteRecordsCommand.Create());
root.Subcommands.Add(DumpLogCommand.Create());
root.Subcommands.Add(ConsoleConsumerCommand.Create());
root.Subcommands.Add(ConsumerPerfTestCommand.Create());
root.Subcommands.Add(ConsoleProducerCommand.Create());
root.Subcommands.Add(ProducerPerfTestCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
