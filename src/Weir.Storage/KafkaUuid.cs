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
}
