namespace Weir.Client;

/// <summary>One record header: a string key and an optional byte value.</summary>
public sealed record RecordHeader(string Key, byte[]? Value);
