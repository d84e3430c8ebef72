namespace Weir.Storage;

/// <summary>A topic name and partition index; the partition directory is <c>topic-partition</c>.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <summary>Kafka's <c>LocalLog.logDirName</c>.</summary>
    public string DirectoryName => $"{Topic}-{Partition}";

    public override string ToString() => DirectoryName;
}
