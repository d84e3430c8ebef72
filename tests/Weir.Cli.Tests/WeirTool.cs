namespace Weir.Cli.Tests;

/// <summary>Runs `weir &lt;tool&gt;` from the weir.dll built beside the tests (no publish).</summary>
internal static class WeirTool
{
    public static Task<ProcessRunner.Result> RunAsync(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "weir.dll"), .. args], stdin, timeout ?? TimeSpan.FromSeconds(90));
}
