namespace Weir.Broker.Tests;

/// <summary>Runs the interop scripts under Interop/ with Debian's python3, which has kafka-python and confluent-kafka.</summary>
public static class Python
{
    public const string Interpreter = "/usr/bin/python3";

    public static Task<ProcessRunner.Result> RunAsync(string script, params string[] args) =>
        ProcessRunner.RunAsync(Interpreter, [Path.Combine(AppContext.BaseDirectory, "Interop", script), .. args], timeout: TimeSpan.FromSeconds(240));
}
