using System.Text;

namespace Weir.Broker.Config;

/// <summary>
/// Reads Java <c>.properties</c> text as <c>java.util.Properties.load</c> does: <c>#</c> and
/// <c>!</c> comments, <c>=</c>, <c>:</c> or whitespace separators, backslash line continuations and
/// escapes. Later keys override earlier ones. <see cref="ParseWithLines"/> also keeps the line each
/// key starts on, so a configuration mistake can say which line of which file to fix.
/// </summary>
public static class PropertiesFile
{
    /// <summary>One key's value and the (1-based) line it starts on; <paramref name="Shadowed"/> lists earlier lines that set the same key.</summary>
    public sealed record Entry(string Value, int Line, IReadOnlyList<int> Shadowed);

    public static Dictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, entry) in ParseWithLines(text))
        {
            result[key] = entry.Value;
        }

        return result;
    }

    public static Dictionary<string, Entry> ParseWithLines(string text)
    {
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var start = i + 1;

            // An odd number of trailing backslashes joins the next line.
            while (EndsWithContinuation(line) && i + 1 < lines.Length)
            {
                line = line[..^1] + lines[++i].TrimStart();
            }

            var (key, value) = Split(line);
            var name = Unescape(key);
            var shadowed = result.TryGetValue(name, out var earlier) ? [.. earlier.Shadowed, earlier.Line] : Array.Empty<int>();
            result[name] = new Entry(Unescape(value), start, shadowed);
        }

        return result;
    }

    private static bool EndsWithContinuation(string line)
    {
        var count = 0;
        for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
        {
            count++;
        }

        return count % 2 == 1;
    }

    private static (string Key, string Value) Split(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('=' or ':' or ' ' or '\t' or '\f'))
        {
            i += line[i] == '\\' ? 2 : 1;
        }

        var key = line[..Math.Min(i, line.Length)];
        while (i < line.Length && line[i] is ' ' or '\t' or '\f')
        {
            i++;
        }

        if (i < line.Length && line[i] is '=' or ':')
        {
            i++;
        }

        while (i < line.Length && line[i] is ' ' or '\t' or '\f')
        {
            i++;
        }

        return (key, i < line.Length ? line[i..].TrimEnd() : string.Empty);
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 == s.Length)
            {
                sb.Append(s[i]);
                continue;
            }

            var c = s[++i];
            switch (c)
            {
                case 't': sb.Append('\t'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when i + 4 < s.Length:
                    sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 4), 16));
                    i += 4;
                    break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }
}
