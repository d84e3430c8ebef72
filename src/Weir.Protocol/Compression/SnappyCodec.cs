using System.Buffers;
using System.Buffers.Binary;

namespace Weir.Protocol.Compression;

/// <summary>
/// Snappy through the managed IronSnappy block codec. Java clients (snappy-java's
/// SnappyOutputStream) and kafka-python write the xerial framing: a 16-byte header
/// (0x82 "SNAPPY" 0x00, int32 version 1, int32 compatible-version 1) then
/// [int32 big-endian length, raw snappy block]* with 32 KB of input per block. librdkafka writes
/// one raw snappy block with no framing. Both readers accept either, so this writes xerial
/// (what the Java broker and clients expect) and reads both.
/// </summary>
internal static class SnappyCodec
{
    /// <summary>Input bytes per xerial block: snappy-java's default.</summary>
    public const int XerialBlockSize = 32 * 1024;

    public const int XerialHeaderSize = 16;

    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    /// <summary>
    /// The xerial header exactly as snappy-java and kafka-python write it (version 1, compatible
    /// version 1). kafka-python reads anything else as raw snappy and fails, so a header with other
    /// versions is not taken as xerial here either: such a batch is refused, not stored for some
    /// consumers only.
    /// </summary>
    public static bool IsXerialFramed(ReadOnlySpan<byte> input) =>
        input.Length >= XerialHeaderSize && input.StartsWith(XerialMagic)
        && BinaryPrimitives.ReadInt32BigEndian(input[8..]) == 1 && BinaryPrimitives.ReadInt32BigEndian(input[12..]) == 1;

    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var header = output.GetSpan(XerialHeaderSize);
        XerialMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 1); // version
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 1); // minimum compatible version
        output.Advance(XerialHeaderSize);

        for (var offset = 0; offset < input.Length; offset += XerialBlockSize)
        {
            var chunk = input.Slice(offset, Math.Min(XerialBlockSize, input.Length - offset));
            var block = IronSnappy.Snappy.Encode(chunk);
            var destination = output.GetSpan(4 + block.Length);
            BinaryPrimitives.WriteInt32BigEndian(destination, block.Length);
            block.CopyTo(destination[4..]);
            output.Advance(4 + block.Length);
        }
    }

    /// <summary>One raw snappy block, as librdkafka writes.</summary>
    public static void CompressRaw(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var block = IronSnappy.Snappy.Encode(input);
        block.CopyTo(output.GetSpan(block.Length));
        output.Advance(block.Length);
    }

    /// <summary>
    /// Decodes raw or xerial-framed snappy. Every raw block starts with its decoded length, so the
    /// bound is checked before a block is decoded: a lying or huge block is never allocated.
    /// </summary>
    public static void Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxBytes)
    {
        long produced = 0;
        if (!IsXerialFramed(input))
        {
            DecodeBlockInto(input, output, ref produced, maxBytes);
            return;
        }

        var position = XerialHeaderSize;
        while (position < input.Length)
        {
            // snappy-java reads a concatenation of framed streams, skipping each repeated header.
            if (input.Length - position >= XerialHeaderSize && input[position..].StartsWith(XerialMagic))
            {
                position += XerialHeaderSize;
                continue;
            }

            if (input.Length - position < 4)
            {
                throw new InvalidDataException("Xerial snappy stream ends inside a block length.");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(input[position..]);
            position += 4;
            if (length < 0 || length > input.Length - position)
            {
                throw new InvalidDataException($"Xerial snappy block length {length} runs past the end of the stream.");
            }

            DecodeBlockInto(input.Slice(position, length), output, ref produced, maxBytes);
            position += length;
        }
    }

    private static void DecodeBlockInto(ReadOnlySpan<byte> block, IBufferWriter<byte> output, ref long produced, int maxBytes)
    {
        if (!TryReadDecodedLength(block, out var declared))
        {
            throw new InvalidDataException("Corrupt snappy block: its length preamble is malformed.");
        }

        DecompressionLimit.Check(produced + declared, maxBytes);
        var decoded = DecodeBlock(block);
        produced += decoded.Length;
        DecompressionLimit.Check(produced, maxBytes);
        Write(decoded, output);
    }

    /// <summary>The uvarint (at most 32 bits) that opens every raw snappy block: its decoded length.</summary>
    private static bool TryReadDecodedLength(ReadOnlySpan<byte> block, out long length)
    {
        length = 0;
        for (int i = 0, shift = 0; i < 5 && i < block.Length; i++, shift += 7)
        {
            length |= (long)(block[i] & 0x7F) << shift;
            if ((block[i] & 0x80) == 0)
            {
                return length <= uint.MaxValue;
            }
        }

        return false;
    }

    private static byte[] DecodeBlock(ReadOnlySpan<byte> block)
    {
        try
        {
            return IronSnappy.Snappy.Decode(block);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Corrupt snappy block: {e.Message}", e);
        }
    }

    private static void Write(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
