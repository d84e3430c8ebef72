using System.Globalization;
using System.Text;
using Weir.Client.Consumer;

namespace Weir.Cli.Tools.ConsoleConsumer;

/// <summary>
/// Kafka's DefaultMessageFormatter: optional timestamp, partition, offset, headers and key, each
/// followed by key.separator (or line.separator after the last field), then the value.
/// </summary>
internal sealed class MessageFormatter
{
    private readonly bool _printTimestamp;
    private readonly bool _printPartition;
    private readonly bool _printOffset;
    private readonly bool _printHeaders;
    private readonly bool _printKey;
    private readonly bool _printValue;
    private readonly byte[] _keySeparator;
    private readonly byte[] _lineSeparator;
    private readonly byte[] _headersSeparator;
    private readonly byte[] _headersKeySeparator;
    private readonly byte[] _nullLiteral;

    public MessageFormatter(IReadOnlyDictionary<string, string> properties)
    {
        _printTimestamp = Flag(properties, "print.timestamp", false);
        _printPartition = Flag(properties, "print.partition", false);
        _printOffset = Flag(properties, "print.offset", false);
        _printHeaders = Flag(properties, "print.headers", false);
        _printKey = Flag(properties, "print.key", false);
        _printValue = Flag(properties, "print.value", true);
        _keySeparator = Bytes(properties, "key.separator", "\t");
        _lineSeparator = Bytes(properties, "line.separator", "\n");
        _headersSeparator = Bytes(properties, "headers.separator", ",");
        _headersKeySeparator = Bytes(properties, "headers.key.separator", ":");
        _nullLiteral = Bytes(properties, "null.literal", "null");
    }

    public void Write(Stream output, in ConsumeResult record)
    {
        if (_printTimestamp)
        {
            Ascii(output, record.Timestamp < 0 ? "NO_TIMESTAMP" : record.TimestampType + ":" + record.Timestamp.ToString(CultureInfo.InvariantCulture));
            Separator(output, _printPartition || _printOffset || _printHeaders || _printKey || _printValue);
        }

        if (_printPartition)
        {
            Ascii(output, "Partition:" + record.Partition.ToString(CultureInfo.InvariantCulture));
            Separator(output, _printOffset || _printHeaders || _printKey || _printValue);
        }

        if (_printOffset)
        {
            Ascii(output, "Offset:" + record.Offset.ToString(CultureInfo.InvariantCulture));
            Separator(output, _printHeaders || _printKey || _printValue);
        }

        if (_printHeaders)
        {
            if (record.HeaderCount == 0)
            {
                Ascii(output, "NO_HEADERS");
            }
            else
            {
                var first = true;
                foreach (var header in record.Headers)
                {
                    if (!first)
                    {
                        output.Write(_headersSeparator);
                    }

                    first = false;
                    output.Write(Encoding.UTF8.GetBytes(header.Key));
                    output.Write(_headersKeySeparator);
                    output.Write(header.Value ?? _nullLiteral);
                }
            }

            Separator(output, _printKey || _printValue);
        }

        if (_printKey)
        {
            if (record.IsKeyNull)
            {
                output.Write(_nullLiteral);
            }
            else
            {
                output.Write(record.Key.Span);
            }

            Separator(output, _printValue);
        }

        if (_printValue)
        {
            if (record.IsValueNull)
            {
                output.Write(_nullLiteral);
            }
            else
            {
                output.Write(record.Value.Span);
            }

            output.Write(_lineSeparator);
        }
    }

    private void Separator(Stream output, bool moreColumns) => output.Write(moreColumns ? _keySeparator : _lineSeparator);

    private static void Ascii(Stream output, string text) => output.Write(Encoding.UTF8.GetBytes(text));

    private static bool Flag(IReadOnlyDictionary<string, string> properties, string name, bool fallback) =>
        properties.TryGetValue(name, out var value) ? value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) : fallback;

    private static byte[] Bytes(IReadOnlyDictionary<string, string> properties, string name, string fallback) =>
        Encoding.UTF8.GetBytes(properties.TryGetValue(name, out var value) ? value : fallback);
}
