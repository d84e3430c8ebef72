using System.Buffers;
using System.Runtime.InteropServices;

namespace Weir.Protocol.Compression;

/// <summary>
/// Zstandard through the system libzstd. Compression is one-shot at level 3 (Kafka's default);
/// decompression streams, because frames written by Java's zstd-jni stream omit the content size.
/// </summary>
internal static unsafe class ZstdCodec
{
    private const int DefaultLevel = 3;

    private static readonly NativeCodecLibrary Library =
        new("Zstandard", "libzstd1", "libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib", "libzstd", "zstd");

    private static readonly Lazy<Functions> FunctionTable = new(() => new Functions(Library));

    public static bool IsAvailable => Library.IsAvailable;

    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var f = FunctionTable.Value;
        var bound = f.CompressBound((nuint)input.Length);
        if (bound > int.MaxValue)
        {
            throw new InvalidOperationException($"Zstandard input of {input.Length} bytes is too large.");
        }

        var destination = output.GetSpan((int)bound);
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = destination)
        {
            written = f.Compress(dst, (nuint)destination.Length, src, (nuint)input.Length, DefaultLevel);
        }

        f.ThrowIfError(written, "compress");
        output.Advance((int)written);
    }

    public static void Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxBytes)
    {
        var f = FunctionTable.Value;
        var stream = f.CreateDStream();
        if (stream == 0)
        {
            throw new InvalidOperationException("ZSTD_createDStream failed (out of memory).");
        }

        try
        {
            f.ThrowIfError(f.InitDStream(stream), "initialise a stream");
            fixed (byte* src = input)
            {
                var inBuffer = new InBuffer { Source = src, Size = (nuint)input.Length, Position = 0 };
                long produced = 0;
                while (true)
                {
                    var destination = DecompressionLimit.Clamp(output.GetSpan(128 * 1024), produced, maxBytes);
                    nuint result;
                    OutBuffer outBuffer;
                    fixed (byte* dst = destination)
                    {
                        outBuffer = new OutBuffer { Destination = dst, Size = (nuint)destination.Length, Position = 0 };
                        result = f.DecompressStream(stream, &outBuffer, &inBuffer);
                    }

                    f.ThrowIfError(result, "decompress", invalidData: true);
                    output.Advance((int)outBuffer.Position);
                    produced += (long)outBuffer.Position;
                    DecompressionLimit.Check(produced, maxBytes);
                    if (inBuffer.Position == inBuffer.Size)
                    {
                        if (result == 0)
                        {
                            return; // the last frame is complete and flushed
                        }

                        if (outBuffer.Position < outBuffer.Size)
                        {
                            throw new InvalidDataException("Zstandard frame is truncated.");
                        }
                    }
                }
            }
        }
        finally
        {
            f.FreeDStream(stream);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct InBuffer
    {
        public byte* Source;
        public nuint Size;
        public nuint Position;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OutBuffer
    {
        public byte* Destination;
        public nuint Size;
        public nuint Position;
    }

    private sealed class Functions
    {
        public readonly delegate* unmanaged<nuint, nuint> CompressBound;
        public readonly delegate* unmanaged<byte*, nuint, byte*, nuint, int, nuint> Compress;
        public readonly delegate* unmanaged<nint> CreateDStream;
        public readonly delegate* unmanaged<nint, nuint> InitDStream;
        public readonly delegate* unmanaged<nint, nuint> FreeDStream;
        public readonly delegate* unmanaged<nint, OutBuffer*, InBuffer*, nuint> DecompressStream;
        private readonly delegate* unmanaged<nuint, uint> _isError;
        private readonly delegate* unmanaged<nuint, byte*> _getErrorName;

        public Functions(NativeCodecLibrary library)
        {
            CompressBound = (delegate* unmanaged<nuint, nuint>)library.Export("ZSTD_compressBound");
            Compress = (delegate* unmanaged<byte*, nuint, byte*, nuint, int, nuint>)library.Export("ZSTD_compress");
            CreateDStream = (delegate* unmanaged<nint>)library.Export("ZSTD_createDStream");
            InitDStream = (delegate* unmanaged<nint, nuint>)library.Export("ZSTD_initDStream");
            FreeDStream = (delegate* unmanaged<nint, nuint>)library.Export("ZSTD_freeDStream");
            DecompressStream = (delegate* unmanaged<nint, OutBuffer*, InBuffer*, nuint>)library.Export("ZSTD_decompressStream");
            _isError = (delegate* unmanaged<nuint, uint>)library.Export("ZSTD_isError");
            _getErrorName = (delegate* unmanaged<nuint, byte*>)library.Export("ZSTD_getErrorName");
        }

        public void ThrowIfError(nuint code, string operation, bool invalidData = false)
        {
            if (_isError(code) == 0)
            {
                return;
            }

            var message = $"Zstandard could not {operation}: {Marshal.PtrToStringUTF8((nint)_getErrorName(code))}.";
            throw invalidData ? new InvalidDataException(message) : new InvalidOperationException(message);
        }
    }
}
