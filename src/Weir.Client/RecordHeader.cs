namespace Weir.Client;

/// <summary>A record header: a string key and a byte value that may be null.</summary>
public readonly record struct RecordHeader(string Key, byte[]? Value);
