namespace Weir.Broker.Config;

/// <summary>
/// The broker configs that AlterConfigs may change at runtime (Kafka's DynamicBrokerConfig.AllDynamicConfigs,
/// limited to the names Weir knows): the primary broker synonyms of the topic configs, the log cleaner's
/// and thread pools' settings. Every other broker config is read-only.
/// </summary>
public static class DynamicBrokerConfigs
{
    private static readonly HashSet<string> Names = Build();

    public static bool IsDynamic(string name) => Names.Contains(name);

    /// <summary>
    /// The broker names that resolve the same setting, in precedence order (e.g. log.retention.ms,
    /// .minutes, .hours), as Kafka's brokerConfigSynonyms; a name with none is its own only synonym.
    /// </summary>
    public static string[] BrokerSynonyms(string name)
    {
        foreach (var (_, synonyms) in TopicConfigs.All)
        {
            if (synonyms.Length > 1 && Array.IndexOf(synonyms, name) >= 0)
            {
                return synonyms;
            }
        }

        return [name];
    }

    private static HashSet<string> Build()
    {
        var names = new HashSet<string>(StringComparer.Ordinal)
        {
            "log.cleaner.threads",
            "log.cleaner.dedupe.buffer.size",
            "log.cleaner.backoff.ms",
            "num.io.threads",
            "num.network.threads",
            "num.recovery.threads.per.data.dir",
            "producer.id.expiration.ms",
        };
        foreach (var (_, synonyms) in TopicConfigs.All)
        {
            // Only the first synonym is dynamic: Kafka refuses e.g. log.retention.hours at runtime.
            names.Add(synonyms[0]);
        }

        // log.flush.interval.ms is flush.ms' first synonym; the scheduler interval is static in Kafka too.
        return names;
    }
}
