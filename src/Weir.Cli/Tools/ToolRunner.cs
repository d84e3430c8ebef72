using Weir.Client;

namespace Weir.Cli.Tools;

/// <summary>Runs a tool's body: expected failures become one clear line on stderr and exit code 1.</summary>
internal static class ToolRunner
{
    public static async Task<int> RunAsync(string tool, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (ToolException ex)
        {
            await Console.Error.WriteLineAsync($"{tool}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (KafkaException ex)
        {
            await Console.Error.WriteLineAsync($"{tool}: Error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"{tool}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
