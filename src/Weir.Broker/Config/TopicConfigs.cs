namespace Weir.Broker.Config;

/// <summary>
/// Kafka's topic-level configs (TopicConfig / LogConfig) with their broker-level synonyms, first
/// synonym winning (ServerTopicConfigSynonyms). CreateTopics, AlterConfigs and DescribeConfigs
/// accept and report exactly these names.
/// </summary>
public static class TopicConfigs
{
    private const string LongMax = "9223372036854775807";

    public static readonly IReadOnlyList<(ConfigDef Def, string[] BrokerSynonyms)> All =
    [
        (new("cleanup.policy", ConfigType.List, "delete", "Whether old segments are deleted, compacted, or both.", ConfigDef.ListOf("delete", "compact"), NoEffectYet: "compaction is not implemented, so 'compact' keeps every record ('delete' retention applies when listed)"), ["log.cleanup.policy"]),
        (new("compression.type", ConfigType.String, "producer", "Codec the broker stores batches in; producer keeps the producer's.", ConfigDef.OneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), NoEffectYet: "batches are stored in the codec the producer sent"), ["compression.type"]),
        (new("delete.retention.ms", ConfigType.Long, "86400000", "How long tombstones are kept in compacted topics.", ConfigDef.AtLeast(0), NoEffectYet: "compaction is not implemented"), ["log.cleaner.delete.retention.ms"]),
        (new("file.delete.delay.ms", ConfigType.Long, "60000", "Delay before a deleted segment's files are removed.", ConfigDef.AtLeast(0)), ["log.segment.delete.delay.ms"]),
        (new("flush.messages", ConfigType.Long, LongMax, "Messages between forced fsyncs.", ConfigDef.AtLeast(1)), ["log.flush.interval.messages"]),
        (new("flush.ms", ConfigType.Long, LongMax, "Milliseconds between forced fsyncs.", ConfigDef.AtLeast(0)), ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"]),
        (new("index.interval.bytes", ConfigType.Int, "4096", "Bytes between offset index entries.", ConfigDef.AtLeast(0)), ["log.index.interval.bytes"]),
        (new("max.compaction.lag.ms", ConfigType.Long, LongMax, "Longest a record may stay uncompacted.", ConfigDef.AtLeast(1), NoEffectYet: "compaction is not implemented"), ["log.cleaner.max.compaction.lag.ms"]),
        (new("max.message.bytes", ConfigType.Int, "1048588", "Largest record batch the topic accepts.", ConfigDef.AtLeast(0)), ["message.max.bytes"]),
        (new("message.timestamp.after.max.ms", ConfigType.Long, LongMax, "How far in the future a CreateTime timestamp may be.", ConfigDef.AtLeast(0)), ["log.message.timestamp.after.max.ms"]),
        (new("message.timestamp.before.max.ms", ConfigType.Long, LongMax, "How far in the past a CreateTime timestamp may be.", ConfigDef.AtLeast(0)), ["log.message.timestamp.before.max.ms"]),
        (new("message.timestamp.type", ConfigType.String, "CreateTime", "Whether timestamps are the producer's or the broker's append time.", ConfigDef.OneOf("CreateTime", "LogAppendTime")), ["log.message.timestamp.type"]),
        (new("min.cleanable.dirty.ratio", ConfigType.Double, "0.5", "Dirty ratio that makes a log eligible for compaction.", NoEffectYet: "compaction is not implemented"), ["log.cleaner.min.cleanable.ratio"]),
        (new("min.compaction.lag.ms", ConfigType.Long, "0", "Shortest a record stays uncompacted.", ConfigDef.AtLeast(0), NoEffectYet: "compaction is not implemented"), ["log.cleaner.min.compaction.lag.ms"]),
        (new("min.insync.replicas", ConfigType.Int, "1", "In-sync replicas an acks=all produce needs: fewer is NOT_ENOUGH_REPLICAS (before the append) or NOT_ENOUGH_REPLICAS_AFTER_APPEND.", ConfigDef.AtLeast(1)), ["min.insync.replicas"]),
        (new("preallocate", ConfigType.Boolean, "false", "Preallocate segment files.", NoEffectYet: "segment files grow as they are written"), ["log.preallocate"]),
        (new("retention.bytes", ConfigType.Long, "-1", "Largest size a partition may grow to before old segments go; -1 is unlimited."), ["log.retention.bytes"]),
        (new("retention.ms", ConfigType.Long, "604800000", "How long segments are kept; -1 is forever.", ConfigDef.AtLeast(-1)), ["log.retention.ms", "log.retention.minutes", "log.retention.hours"]),
        (new("segment.bytes", ConfigType.Int, "1073741824", "Segment file size before rolling.", ConfigDef.AtLeast(14)), ["log.segment.bytes"]),
        (new("segment.index.bytes", ConfigType.Int, "10485760", "Size of the offset index file.", ConfigDef.AtLeast(4)), ["log.index.size.max.bytes"]),
        (new("segment.jitter.ms", ConfigType.Long, "0", "Random jitter subtracted from segment.ms.", ConfigDef.AtLeast(0)), ["log.roll.jitter.ms", "log.roll.jitter.hours"]),
        (new("segment.ms", ConfigType.Long, "604800000", "Time before a segment is rolled.", ConfigDef.AtLeast(1)), ["log.roll.ms", "log.roll.hours"]),
        (new("unclean.leader.election.enable", ConfigType.Boolean, "false", "Allow out-of-sync replicas to become leader.", NoEffectYet: "a single node has no other replica to elect"), ["unclean.leader.election.enable"]),
    ];

    private static readonly Dictionary<string, int> Index = BuildIndex();

    private static Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < All.Count; i++)
        {
            index[All[i].Def.Name] = i;
        }

        return index;
    }

    public static bool TryGet(string name, out ConfigDef def, out string[] brokerSynonyms)
    {
        if (Index.TryGetValue(name, out var i))
        {
            (def, brokerSynonyms) = All[i];
            return true;
        }

        def = null!;
        brokerSynonyms = [];
        return false;
    }
}
