namespace Weir.Broker.Tests;

/// <summary>
/// Runs the interop scripts under Interop/ with Debian's python3, which has the real kafka-python
/// and confluent-kafka packages (the python3 first on PATH may not see them).
/// </summary>
public static class Python
{
    public const string Interpreter = "/usr/bin/python3";

    public static Task<ProcessRunner.Result> RunAsync(string script, params string[] args) =>
        RunAsync(script, TimeSpan.FromSeconds(240), args);

    public static Task<ProcessRunner.Result> RunAsync(string script, TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync(Interpreter, ["-u", Path.Combine(AppContext.BaseDirectory, "Interop", script), .. args], timeout: timeout);
}
