using System.CommandLine;
using System.Text.Json;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Protocol;

namespace Weir.Cli.Tools;

/// <summary>
/// <c>weir delete-records</c> = kafka-delete-records.sh: deletes records before the offsets in a JSON
/// file (<c>{"partitions":[{"topic":"t","partition":0,"offset":3}],"version":1}</c>, offset -1 = high watermark).
/// </summary>
internal static class DeleteRecordsCommand
{
    private const string Tool = "kafka-delete-records";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer();
        var commandConfig = ToolOptions.ConfigFile("--command-config", "A property file containing configs to be passed to Admin Client.");
        var file = new Option<string>("--offset-json-file") { Description = "The JSON file with offset per partition. The format to use is: {\"partitions\": [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}], \"version\":1}", Required = true };
        var command = new Command("delete-records", "Delete records of partitions before given offsets (kafka-delete-records.sh).") { bootstrap, commandConfig, file };
        ToolOptions.RejectZooKeeper(command);
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new ToolException($"File '{path}' does not exist.");
            }

            var offsets = Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            Console.WriteLine("Executing records delete operation");
            var results = await admin.DeleteRecordsAsync(offsets, cancellationToken).ConfigureAwait(false);
            Console.WriteLine("Records delete operation completed:");
            var failed = false;
            foreach (var tp in offsets.Keys)
            {
                var result = results.TryGetValue(tp, out var r) ? r : new DeletedRecords(-1, ErrorCode.UnknownServerError);
                if (result.Error == ErrorCode.None)
                {
                    Console.WriteLine($"partition: {tp}\tlow_watermark: {result.LowWatermark}");
                }
                else
                {
                    failed = true;
                    Console.WriteLine($"partition: {tp}\terror: {new KafkaException(result.Error).Message}");
                }
            }

            return failed ? 1 : 0;
        }));
        return command;
    }

    /// <summary>Kafka's offset JSON; duplicate partitions are an error, as in Kafka.</summary>
    internal static Dictionary<TopicPartition, long> Parse(string json)
    {
        var result = new Dictionary<TopicPartition, long>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Array)
            {
                throw new ToolException("Offset json file doesn't contain the \"partitions\" array.");
            }

            foreach (var item in partitions.EnumerateArray())
            {
                var tp = new TopicPartition(item.GetProperty("topic").GetString()!, item.GetProperty("partition").GetInt32());
                if (!result.TryAdd(tp, item.GetProperty("offset").GetInt64()))
                {
                    throw new ToolException($"Offset json file contains duplicate topic partitions: {tp}");
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ToolException($"Offset json file is not valid: {ex.Message}");
        }

        if (result.Count == 0)
        {
            throw new ToolException("Offset json file doesn't contain any partitions.");
        }

        return result;
    }
}
