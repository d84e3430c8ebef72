using System.Text.RegularExpressions;
using Weir.Client.Admin;

namespace Weir.Cli.Tools;

/// <summary>What the admin-side tools share: an admin client from their flags, Kafka's topic filters and id text.</summary>
internal static class AdminTool
{
    /// <summary>An admin client for <c>--bootstrap-server</c> with the <c>--command-config</c> file's properties applied.</summary>
    public static KafkaAdminClient Connect(string bootstrap, string? commandConfig)
    {
        var options = new AdminOptions { ClientId = "weir-admin" };
        foreach (var (name, value) in ToolOptions.LoadPropertiesFile(commandConfig))
        {
            options.TrySet(name, value);
        }

        options.BootstrapServers = bootstrap;
        return new KafkaAdminClient(options);
    }

    /// <summary>
    /// Kafka's include-list filter for <c>--topic</c>: a Java regex matched against the whole name,
    /// ',' meaning '|', surrounding quotes ignored.
    /// </summary>
    public static Regex TopicFilter(string pattern)
    {
        var cleaned = pattern.Trim().Replace(',', '|').Trim('"', '\'');
        try
        {
            return new Regex("^(?:" + cleaned + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            throw new ToolException($"Invalid topic pattern '{pattern}'.");
        }
    }

    /// <summary>Kafka's Uuid text: the 16 bytes, most significant first, as URL-safe base64 without padding.</summary>
    public static string UuidText(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return System.Buffers.Text.Base64Url.EncodeToString(bytes);
    }

    /// <summary>Kafka's names for config sources, as kafka-configs.sh prints them in synonyms.</summary>
    public static string SourceName(ConfigSource source) => source switch
    {
        ConfigSource.DynamicTopicConfig => "DYNAMIC_TOPIC_CONFIG",
        ConfigSource.DynamicBrokerConfig => "DYNAMIC_BROKER_CONFIG",
        ConfigSource.DynamicDefaultBrokerConfig => "DYNAMIC_DEFAULT_BROKER_CONFIG",
        ConfigSource.StaticBrokerConfig => "STATIC_BROKER_CONFIG",
        ConfigSource.DefaultConfig => "DEFAULT_CONFIG",
        ConfigSource.DynamicBrokerLoggerConfig => "DYNAMIC_BROKER_LOGGER_CONFIG",
        ConfigSource.DynamicClientMetricsConfig => "CLIENT_METRICS_CONFIG",
        ConfigSource.DynamicGroupConfig => "GROUP_CONFIG",
        _ => "UNKNOWN",
    };
}
