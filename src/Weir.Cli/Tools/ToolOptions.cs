using System.CommandLine;
using Weir.Broker.Config;

namespace Weir.Cli.Tools;

/// <summary>Options and checks every Kafka-style tool shares, with Kafka's names.</summary>
internal static class ToolOptions
{
    /// <summary><c>--bootstrap-server host:port[,host:port...]</c> (a list, as in Kafka's tools).</summary>
    public static Option<string> BootstrapServer(params string[] aliases) => new("--bootstrap-server", aliases)
    {
        Description = "The broker(s) to connect to: host:port[,host:port...].",
        DefaultValueFactory = _ => "localhost:9092",
    };

    /// <summary><c>--command-config</c> / <c>--producer.config</c> style file of client properties.</summary>
    public static Option<string?> ConfigFile(string name, string description) => new(name) { Description = description };

    /// <summary>Adds a hidden <c>--zookeeper</c> that fails with what to pass instead, as old tutorials use it.</summary>
    public static void RejectZooKeeper(Command command)
    {
        var zookeeper = new Option<string?>("--zookeeper") { Hidden = true };
        command.Options.Add(zookeeper);
        command.Validators.Add(result =>
        {
            if (result.GetResult(zookeeper) is not null)
            {
                result.AddError("Weir needs no ZooKeeper: pass --bootstrap-server localhost:9092 (the broker's address) instead of --zookeeper.");
            }
        });
    }

    /// <summary>Parses repeated <c>name=value</c> arguments (<c>--property</c>, <c>--config</c>, <c>--producer-property</c>).</summary>
    public static Dictionary<string, string> ParseProperties(IEnumerable<string>? pairs, string optionName)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ToolException($"{optionName} expects name=value, got '{pair}'.");
            }

            result[pair[..eq].Trim()] = pair[(eq + 1)..];
        }

        return result;
    }

    /// <summary>Reads a Java properties file of client settings (for --command-config, --producer.config, --consumer.config).</summary>
    public static Dictionary<string, string> LoadPropertiesFile(string? path)
    {
        if (path is null)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        if (!File.Exists(path))
        {
            throw new ToolException($"Config file '{path}' does not exist.");
        }

        return new Dictionary<string, string>(PropertiesFile.Parse(File.ReadAllText(path)), StringComparer.Ordinal);
    }
}
