using System.Text;

namespace Weir.Protocol.Generator;

/// <summary>Builds C# text with indentation and LF line endings, so output is identical on every machine.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(line);
        }

        _text.Append('\n');
    }

    public void Open(string line)
    {
        if (line.Length > 0)
        {
            Line(line);
        }

        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    /// <summary>Emits <paramref name="body"/> guarded by a condition from <see cref="Versions.Condition"/>, dropping constant guards.</summary>
    public void If(string condition, Action body)
    {
        if (condition == "false")
        {
            return;
        }

        if (condition == "true")
        {
            body();
            return;
        }

        Open($"if ({condition})");
        body();
        Close();
    }

    public override string ToString() => _text.ToString();
}
