using System.CommandLine;
using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Broker.Startup;
using Weir.Storage;

namespace Weir.Cli.Tools;

/// <summary>
/// <c>weir storage</c> = kafka-storage.sh: <c>random-uuid</c>, <c>format -t ID -c FILE</c> (with
/// --standalone / --initial-controllers / --no-initial-controllers, --ignore-formatted) and
/// <c>info -c FILE</c>, with Kafka 4's StorageTool messages and exit codes.
/// </summary>
internal static class StorageCommand
{
    public static Command Create()
    {
        var command = new Command("storage", "The Kafka storage tool (kafka-storage.sh): format log dirs, show them, make ids.");
        command.Subcommands.Add(RandomUuid());
        command.Subcommands.Add(Format());
        command.Subcommands.Add(Info());
        return command;
    }

    private static Option<string> ConfigOption() =>
        new("--config", "-c") { Description = "The Kafka configuration file to use.", Required = true };

    private static Command RandomUuid()
    {
        var command = new Command("random-uuid", "Print a random UUID.");
        command.SetAction(_ =>
        {
            Console.WriteLine(KafkaUuid.NewRandom());
            return 0;
        });
        return command;
    }

    private static Command Info()
    {
        var config = ConfigOption();
        var command = new Command("info", "Get information about the Kafka log directories on this node.") { config };
        command.SetAction(parse => Run(() => StorageFormatter.Info(BrokerConfig.Load(parse.GetValue(config)!), Console.Out)));
        return command;
    }

    private static Command Format()
    {
        var config = ConfigOption();
        var clusterId = new Option<string>("--cluster-id", "-t") { Description = "The cluster ID to use.", Required = true };
        var ignoreFormatted = new Option<bool>("--ignore-formatted", "-g") { Description = "When this option is passed, the format command will skip over already formatted directories rather than failing." };
        var standalone = new Option<bool>("--standalone", "-s") { Description = "Used to initialize a controller as a single-node dynamic quorum." };
        var noInitial = new Option<bool>("--no-initial-controllers", "-N") { Description = "Used to initialize a server without a dynamic quorum topology." };
        var initial = new Option<string?>("--initial-controllers", "-I")
        {
            Description = "Used to initialize a server with a specific dynamic quorum topology. The argument is a comma-separated list of id@hostname:port:directory. " +
                "The same values must be used to format all nodes. For example: 0@example.com:8082:JEXY6aqzQY-32P5TStzaFg,1@example.com:8083:MvDxzVmcRsaTz33bUuRU6A,2@example.com:8084:07R5amHmR32VDA6jHkGbTA",
        };
        var scram = new Option<string[]>("--add-scram", "-S") { Description = "A SCRAM_CREDENTIAL to add to the __cluster_metadata log (not supported yet: Weir has no SASL)." };
        var command = new Command("format", "Format the Kafka log directories on this node.") { config, clusterId, ignoreFormatted, standalone, noInitial, initial, scram };
        command.Validators.Add(result =>
        {
            // argparse4j's mutually exclusive group, in its words.
            var given = new List<string>();
            if (result.GetResult(standalone) is { Implicit: false })
            {
                given.Add("--standalone/-s");
            }

            if (result.GetResult(noInitial) is { Implicit: false })
            {
                given.Add("--no-initial-controllers/-N");
            }

            if (result.GetResult(initial) is { Implicit: false })
            {
                given.Add("--initial-controllers/-I");
            }

            if (given.Count > 1)
            {
                result.AddError($"argument {given[1]}: not allowed with argument {given[0]}");
            }
        });
        command.SetAction(parse => Run(() =>
        {
            if (parse.GetValue(scram) is { Length: > 0 })
            {
                throw new StorageFormatException("--add-scram is not supported yet: Weir has no SASL, so there are no SCRAM credentials to add.");
            }

            var options = new StorageFormatOptions(parse.GetValue(clusterId)!)
            {
                Standalone = parse.GetValue(standalone),
                NoInitialControllers = parse.GetValue(noInitial),
                InitialControllers = parse.GetValue(initial),
                IgnoreFormatted = parse.GetValue(ignoreFormatted),
                // The bootstrap snapshot (KRaftVersionRecord + VotersRecord) of a dynamic quorum's metadata dir.
                WriteBootstrapSnapshot = request => BootstrapSnapshot.Write(request, TimeProvider.System),
            };
            StorageFormatter.Format(BrokerConfig.Load(parse.GetValue(config)!), options, Console.Out);
            return 0;
        }));
        return command;
    }

    /// <summary>As Kafka's StorageTool.main: an expected failure is its message alone on stderr, exit 1.</summary>
    private static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is StorageFormatException or ConfigException)
        {
            Console.Out.Flush();
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}
