using Weir.Client.Producer;

namespace Weir.Cli.Tools;

/// <summary>Builds producer settings the way Kafka's tools do: config file, then properties, then explicit flags.</summary>
internal static class ProducerTool
{
    /// <summary>
    /// <paramref name="fileProps"/> then <paramref name="props"/> override each other in that order;
    /// <paramref name="flagDefaults"/> apply only where neither set the name, <paramref name="flags"/> always.
    /// </summary>
    public static ProducerOptions Options(
        string? bootstrap,
        IReadOnlyDictionary<string, string> fileProps,
        IReadOnlyDictionary<string, string> props,
        IReadOnlyDictionary<string, string> flagDefaults,
        IReadOnlyDictionary<string, string> flags)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in flagDefaults)
        {
            merged[k] = v;
        }

        foreach (var source in new[] { fileProps, props, flags })
        {
            foreach (var (k, v) in source)
            {
                merged[k] = v;
            }
        }

        if (bootstrap is not null)
        {
            merged["bootstrap.servers"] = bootstrap;
        }

        var options = new ProducerOptions { ClientId = "console-producer" };
        foreach (var (name, value) in merged)
        {
            try
            {
                if (!options.TrySet(name, value))
                {
                    // Kafka logs unknown configs as a warning and carries on.
                    Console.Error.WriteLine($"WARN The configuration '{name}' was supplied but isn't a known config.");
                }
            }
            catch (FormatException)
            {
                throw new ToolException($"Invalid value {value} for configuration {name}.");
            }
            catch (OverflowException)
            {
                throw new ToolException($"Invalid value {value} for configuration {name}.");
            }
        }

        return options;
    }
}
