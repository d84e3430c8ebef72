namespace Weir.Protocol.Generator;

/// <summary>A schema the generator cannot turn into code; the message names the file and the reason.</summary>
public sealed class GeneratorException : Exception
{
    public GeneratorException(string message)
        : base(message)
    {
    }

    public GeneratorException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
