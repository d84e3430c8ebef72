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
root.Subcommands.Add(LogDirsCommand.Create());
root.Subcommands.Add(DumpLogCommand.Create());
root.Subcommands.Add(ConsoleConsumerCommand.Create());
root.Subcommands.Add(ConsumerPerfTestCommand.Create());
root.Subcommands.Add(ConsoleProducerCommand.Create());
root.Subcommands.Add(ProducerPerfTestCommand.Create());
root.Subcommands.Add(StorageCommand.Create());
root.Subcommands.Add(MetadataQuorumCommand.Create());
// System.CommandLine ends the process with 143 two seconds after SIGTERM/Ctrl-C; a broker gets long
// enough to close its logs cleanly (it ends its connections at once, so this is only a backstop).
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(args is ["start", ..] ? 60 : 2) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
