namespace Weir.Storage.Log;

/// <summary>An offset-index entry in absolute terms: a batch's last offset and where the batch starts.</summary>
internal readonly record struct OffsetPosition(long Offset, int Position);
