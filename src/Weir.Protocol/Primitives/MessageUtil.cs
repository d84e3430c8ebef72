using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Weir.Protocol.Records;

namespace Weir.Protocol.Primitives;

/// <summary>
/// Small helpers the generated messages call, so each field's code stays one line: the choice
/// between classic and compact encodings, null checks, tagged-field bookkeeping and equality.
/// </summary>
internal static class MessageUtil
{
    public static UnsupportedVersionException VersionOutOfRange(string type, short version, short lowest, short highest) =>
        new($"{type} does not support version {version} (supported: {lowest}-{highest}).");

    public static UnsupportedVersionException NotNullable(string field, short version) =>
        new($"Field {field} is null, but it is not nullable in version {version}.");

    public static UnsupportedVersionException NotInVersion(string field, short version) =>
        new($"Field {field} is set to a non-default value, but version {version} does not have it.");

    public static UnsupportedVersionException TaggedFieldsNotSupported(short version) =>
        new($"Unknown tagged fields were set, but version {version} is not flexible.");

    public static ProtocolException NullRead(string field) =>
        new($"Non-nullable field {field} was serialized as null.");

    // ---- reading ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static string? ReadString(ref KafkaReader reader, bool compact) =>
        compact ? reader.ReadCompactNullableString() : reader.ReadNullableString();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte[]? ReadBytes(ref KafkaReader reader, bool compact) =>
        compact ? reader.ReadCompactNullableBytes() : reader.ReadNullableBytes();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadArrayLength(ref KafkaReader reader, bool compact) =>
        compact ? reader.ReadCompactArrayLength() : reader.ReadArrayLength();

    public static void CheckTaggedSize(int start, int end, uint size, string field)
    {
        if (end - start != size)
        {
            throw new ProtocolException($"Tagged field {field} declared {size} bytes but its value took {end - start}.");
        }
    }

    // ---- writing ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteString(ref KafkaWriter writer, string? value, bool compact)
    {
        if (compact)
        {
            writer.WriteCompactNullableString(value);
        }
        else
        {
            writer.WriteNullableString(value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteBytes(ref KafkaWriter writer, byte[]? value, bool compact)
    {
        if (compact)
        {
            writer.WriteCompactNullableBytes(value, value is null);
        }
        else
        {
            writer.WriteNullableBytes(value, value is null);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteRecords(ref KafkaWriter writer, ReadOnlyMemory<byte>? value, bool compact)
    {
        if (value.HasValue && MemoryMarshal.TryGetMemoryManager<byte, DeferredRecords>(value.GetValueOrDefault(), out var deferred, out var start, out var length))
        {
            WriteDeferredRecords(ref writer, deferred, start, length, compact);
            return;
        }

        var span = value.HasValue ? value.GetValueOrDefault().Span : default;
        if (compact)
        {
            writer.WriteCompactNullableBytes(span, !value.HasValue);
        }
        else
        {
            writer.WriteNullableBytes(span, !value.HasValue);
        }
    }

    /// <summary>Records that fill the buffer straight from their source (a file range), with no copy in between.</summary>
    private static void WriteDeferredRecords(ref KafkaWriter writer, DeferredRecords deferred, int start, int length, bool compact)
    {
        if (compact)
        {
            writer.WriteCompactLength(length);
        }
        else
        {
            writer.WriteInt32(length);
        }

        var destination = writer.Take(length);
        if (start == 0 && length == deferred.Length)
        {
            deferred.CopyTo(destination);
        }
        else
        {
            deferred.GetSpan().Slice(start, length).CopyTo(destination);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteArrayLength(ref KafkaWriter writer, int countOrMinusOne, bool compact)
    {
        if (compact)
        {
            writer.WriteCompactArrayLength(countOrMinusOne);
        }
        else
        {
            writer.WriteArrayLength(countOrMinusOne);
        }
    }

    // ---- sizes ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfString(string? value, bool compact) =>
        compact ? KafkaWriter.SizeOfCompactNullableString(value) : KafkaWriter.SizeOfNullableString(value);

    /// <summary>Size of bytes, records or an array header with its length prefix (-1 = null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfLengthPrefix(int lengthOrMinusOne, bool compact) =>
        compact ? KafkaWriter.SizeOfCompactLength(lengthOrMinusOne) : 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfBytes(byte[]? value, bool compact) =>
        value is null ? SizeOfLengthPrefix(-1, compact) : SizeOfLengthPrefix(value.Length, compact) + value.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfRecords(ReadOnlyMemory<byte>? value, bool compact) =>
        value.HasValue ? SizeOfLengthPrefix(value.GetValueOrDefault().Length, compact) + value.GetValueOrDefault().Length : SizeOfLengthPrefix(-1, compact);

    /// <summary>A tagged field's tag and size prefixes plus its value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOfTaggedField(int tag, int valueSize) =>
        KafkaWriter.SizeOfUnsignedVarInt((uint)tag) + KafkaWriter.SizeOfUnsignedVarInt((uint)valueSize) + valueSize;

    public static int SizeOfUnknownTaggedFields(List<RawTaggedField>? fields)
    {
        if (fields is null)
        {
            return 0;
        }

        var size = 0;
        foreach (var field in fields)
        {
            size += SizeOfTaggedField(field.Tag, field.Data.Length);
        }

        return size;
    }

    /// <summary>
    /// Writes the unknown tagged fields whose tag is below <paramref name="tagLimit"/>, continuing
    /// at <paramref name="index"/>, so that unknown and known fields go out together in tag order.
    /// </summary>
    public static void WriteUnknownTaggedFields(ref KafkaWriter writer, List<RawTaggedField>? fields, ref int index, int tagLimit)
    {
        if (fields is null)
        {
            return;
        }

        while (index < fields.Count && fields[index].Tag < tagLimit)
        {
            var field = fields[index];
            if (index > 0 && fields[index - 1].Tag >= field.Tag)
            {
                throw new InvalidOperationException($"Unknown tagged fields must be in ascending tag order; tag {field.Tag} follows {fields[index - 1].Tag}.");
            }

            writer.WriteUnsignedVarInt((uint)field.Tag);
            writer.WriteUnsignedVarInt((uint)field.Data.Length);
            writer.WriteRaw(field.Data);
            index++;
        }
    }

    // ---- equality ----

    public static bool ListEquals<T>(List<T>? a, List<T>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        var comparer = EqualityComparer<T>.Default;
        for (var i = 0; i < a.Count; i++)
        {
            if (!comparer.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>No unknown tagged fields and an empty list mean the same thing.</summary>
    public static bool TaggedEquals(List<RawTaggedField>? a, List<RawTaggedField>? b) =>
        (a is null || a.Count == 0) ? (b is null || b.Count == 0) : ListEquals(a, b);

    public static bool BytesEquals(byte[]? a, byte[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    public static bool RecordsEquals(ReadOnlyMemory<byte>? a, ReadOnlyMemory<byte>? b) =>
        a.HasValue ? b.HasValue && a.GetValueOrDefault().Span.SequenceEqual(b.GetValueOrDefault().Span) : !b.HasValue;

    public static int ListHash<T>(List<T>? list)
    {
        if (list is null)
        {
            return -1;
        }

        var hash = new HashCode();
        foreach (var item in list)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public static int BytesHash(ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            return -1;
        }

        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
