using System.Buffers.Text;
using System.Security.Cryptography;

namespace Weir.Storage;

/// <summary>Kafka's <c>Uuid</c> text form: 16 bytes as URL-safe base64 without padding (22 characters).</summary>
public static class KafkaUuid
{
    /// <summary>A random (version 4) id whose text does not start with '-', as Kafka's <c>Uuid.randomUuid</c>.</summary>
    public static string NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            var text = Base64Url.EncodeToString(bytes);
            if (text[0] != '-')
            {
                return text;
            }
        }
    }

    /// <summary>The Guid whose big-endian bytes (as the protocol's uuid fields carry them) are <paramref name="text"/>'s.</summary>
    public static Guid ToGuid(string text)
    {
        Span<byte> bytes = stackalloc byte[18];
        if (text.Length != 22 || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != 16)
        {
            throw new FormatException($"'{text}' is not a Kafka Uuid.");
        }

        return new Guid(bytes[..16], bigEndian: true);
    }

    /// <summary>Kafka's text form of a protocol uuid field.</summary>
    public static string ToText(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }
}
