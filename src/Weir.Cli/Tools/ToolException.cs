namespace Weir.Cli.Tools;

/// <summary>A tool cannot go on: the message says what was wrong and what to do (printed, exit 1).</summary>
internal sealed class ToolException(string message) : Exception(message);
