using Weir.Protocol;

namespace Weir.Client.Admin;

/// <summary>A partition's answer to DeleteRecords: its new log start offset (low watermark), or an error.</summary>
public readonly record struct DeletedRecords(long LowWatermark, ErrorCode Error);
