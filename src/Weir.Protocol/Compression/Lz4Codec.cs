using System.Buffers;
using System.Runtime.InteropServices;

namespace Weir.Protocol.Compression;

/// <summary>
/// LZ4 frame format through the system liblz4 (LZ4F API). Kafka's v2 batches carry one standard
/// LZ4 frame; Java and librdkafka both write independent 64 KB blocks without content size or
/// checksum, and so does this.
/// </summary>
internal static unsafe class Lz4Codec
{
    private const uint LZ4FVersion = 100;
    private const int BlockIndependent = 1;

    private static readonly NativeCodecLibrary Library =
        new("LZ4", "liblz4-1", "liblz4.so.1", "liblz4.so", "liblz4.1.dylib", "liblz4.dylib", "liblz4", "lz4");

    private static readonly Lazy<Functions> FunctionTable = new(() => new Functions(Library));

    public static bool IsAvailable => Library.IsAvailable;

    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var f = FunctionTable.Value;
        var preferences = default(Preferences);
        preferences.BlockMode = BlockIndependent;
        var bound = f.CompressFrameBound((nuint)input.Length, &preferences);
        if (bound > int.MaxValue)
        {
            throw new InvalidOperationException($"LZ4 input of {input.Length} bytes is too large.");
        }

        var destination = output.GetSpan((int)bound);
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = destination)
        {
            written = f.CompressFrame(dst, (nuint)destination.Length, src, (nuint)input.Length, &preferences);
        }

        f.ThrowIfError(written, "compress");
        output.Advance((int)written);
    }

    public static void Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxBytes)
    {
        var f = FunctionTable.Value;
        nint context;
        f.ThrowIfError(f.CreateDecompressionContext(&context, LZ4FVersion), "create a decompression context");
        try
        {
            fixed (byte* src = input)
            {
                var position = 0;
                long produced = 0;
                while (true)
                {
                    var destination = DecompressionLimit.Clamp(output.GetSpan(64 * 1024), produced, maxBytes);
                    var dstSize = (nuint)destination.Length;
                    var srcSize = (nuint)(input.Length - position);
                    nuint hint;
                    fixed (byte* dst = destination)
                    {
                        hint = f.Decompress(context, dst, &dstSize, src + position, &srcSize, null);
                    }

                    f.ThrowIfError(hint, "decompress", invalidData: true);
                    position += (int)srcSize;
                    output.Advance((int)dstSize);
                    produced += (long)dstSize;
                    DecompressionLimit.Check(produced, maxBytes);
                    if (hint == 0 && position == input.Length)
                    {
                        return; // a frame ended exactly at the end of the input
                    }

                    // Frames may follow one another (the context restarts by itself after an end
                    // mark); stop only when no input is left and the decoder did not fill the output.
                    if (position == input.Length && (int)dstSize < destination.Length)
                    {
                        throw new InvalidDataException("LZ4 frame is truncated.");
                    }
                }
            }
        }
        finally
        {
            f.FreeDecompressionContext(context);
        }
    }

    // LZ4F_preferences_t (lz4frame.h, v1.8+): frameInfo then level, autoFlush, favorDecSpeed, reserved[3].
    [StructLayout(LayoutKind.Sequential)]
    private struct Preferences
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictId;
        public int BlockChecksumFlag;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }

    private sealed class Functions
    {
        public readonly delegate* unmanaged<nuint, Preferences*, nuint> CompressFrameBound;
        public readonly delegate* unmanaged<byte*, nuint, byte*, nuint, Preferences*, nuint> CompressFrame;
        public readonly delegate* unmanaged<nint*, uint, nuint> CreateDecompressionContext;
        public readonly delegate* unmanaged<nint, nuint> FreeDecompressionContext;
        public readonly delegate* unmanaged<nint, byte*, nuint*, byte*, nuint*, void*, nuint> Decompress;
        private readonly delegate* unmanaged<nuint, uint> _isError;
        private readonly delegate* unmanaged<nuint, byte*> _getErrorName;

        public Functions(NativeCodecLibrary library)
        {
            CompressFrameBound = (delegate* unmanaged<nuint, Preferences*, nuint>)library.Export("LZ4F_compressFrameBound");
            CompressFrame = (delegate* unmanaged<byte*, nuint, byte*, nuint, Preferences*, nuint>)library.Export("LZ4F_compressFrame");
            CreateDecompressionContext = (delegate* unmanaged<nint*, uint, nuint>)library.Export("LZ4F_createDecompressionContext");
            FreeDecompressionContext = (delegate* unmanaged<nint, nuint>)library.Export("LZ4F_freeDecompressionContext");
            Decompress = (delegate* unmanaged<nint, byte*, nuint*, byte*, nuint*, void*, nuint>)library.Export("LZ4F_decompress");
            _isError = (delegate* unmanaged<nuint, uint>)library.Export("LZ4F_isError");
            _getErrorName = (delegate* unmanaged<nuint, byte*>)library.Export("LZ4F_getErrorName");
        }

        public void ThrowIfError(nuint code, string operation, bool invalidData = false)
        {
            if (_isError(code) == 0)
            {
                return;
            }

            var message = $"LZ4 could not {operation}: {Marshal.PtrToStringUTF8((nint)_getErrorName(code))}.";
            throw invalidData ? new InvalidDataException(message) : new InvalidOperationException(message);
        }
    }
}
