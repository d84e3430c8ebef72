using Microsoft.Win32.SafeHandles;
using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>
/// A <see cref="FetchSlice"/>'s byte range as records the response writer reads straight from the
/// segment file into the output buffer (one pread, no managed array in between).
/// </summary>
internal sealed class FileRegionRecords(SafeFileHandle file, long position, int length) : DeferredRecords(length)
{
    public override void CopyTo(Span<byte> destination)
    {
        var n = FetchSlice.Read(file, position, destination[..Length]);
        destination[n..Length].Clear();
    }
}
