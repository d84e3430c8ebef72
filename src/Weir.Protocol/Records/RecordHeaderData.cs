namespace Weir.Protocol.Records;

/// <summary>A header to write into a record: a UTF-8 key and a nullable value.</summary>
public readonly struct RecordHeaderData
{
    /// <param name="value">The value, or null for a null header value.</param>
    public RecordHeaderData(string key, byte[]? value)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key), "Kafka header keys cannot be null.");
        Value = value;
        IsValueNull = value is null;
    }

    public RecordHeaderData(string key, ReadOnlyMemory<byte> value)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key), "Kafka header keys cannot be null.");
        Value = value;
        IsValueNull = false;
    }

    public string Key { get; }

    public ReadOnlyMemory<byte> Value { get; }

    public bool IsValueNull { get; }
}
