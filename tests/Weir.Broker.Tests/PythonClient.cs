using System.Text.Json;

namespace Weir.Broker.Tests;

/// <summary>
/// Runs one operation of an interop script (Interop/*.py) with Debian's python3, which has the
/// real kafka-python and confluent-kafka packages, and returns the JSON it prints.
/// </summary>
public static class PythonClient
{
    private const int MissingModuleExit = 3;

    public static async Task<JsonElement> RunAsync(string script, string bootstrap, params string[] args)
    {
        var result = await Python.RunAsync(script, TimeSpan.FromSeconds(180), [bootstrap, .. args]).ConfigureAwait(false);
        if (result.ExitCode == MissingModuleExit)
        {
            Assert.Fail($"{script}: a Python module is missing; run scripts/setup-test-deps.sh.\n{result}");
        }

        Assert.True(result.ExitCode == 0, $"{script} {string.Join(' ', args)} failed: {result}");
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0, $"{script} {string.Join(' ', args)} printed nothing: {result}");
        return JsonDocument.Parse(lines[^1]).RootElement.Clone();
    }

    /// <summary>The JSON value as compact text, for exact comparisons of small results.</summary>
    public static string Text(this JsonElement element, string property) => element.GetProperty(property).GetRawText();
}
