using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>Config changes are metadata records: they survive a restart on the same data dir.</summary>
public sealed class ConfigsRestartTests
{
    [Fact]
    public async Task Topic_and_broker_configs_survive_a_restart()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));
        var topic = "restart-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var host = await BrokerFixture.StartAsync(dataDir))
            {
                var bootstrap = $"127.0.0.1:{host.BoundEndPoints[0].Port}";
                var produced = await ProcessRunner.RunAsync("kcat", ["-b", bootstrap, "-X", "broker.address.family=v4", "-P", "-t", topic], "x\n");
                Assert.True(produced.ExitCode == 0, produced.ToString());
                var altered = await Python.RunAsync("kafka_python_configs.py", [bootstrap, "alter", "topic", topic, "retention.ms=98765"]);
                Assert.True(altered.ExitCode == 0, altered.ToString());
                Assert.Equal(0, JsonDocument.Parse(altered.StdOut).RootElement[0].GetProperty("error_code").GetInt32());
                await using var client = await RawConnection.ConnectAsync(host.BoundEndPoints[0]);
                var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = 4, ResourceName = string.Empty };
                resource.Configs.Add(new() { Name = "log.retention.bytes", ConfigOperation = 0, Value = "5000000" });
                var response = await client.RequestAsync<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 0, new IncrementalAlterConfigsRequest { Resources = [resource] });
                Assert.Equal(0, response.Responses[0].ErrorCode);
            }

            await using (var host = await BrokerFixture.StartAsync(dataDir))
            {
                var bootstrap = $"127.0.0.1:{host.BoundEndPoints[0].Port}";
                var described = await Python.RunAsync("confluent_configs.py", [bootstrap, "describe", "topic", topic]);
                Assert.True(described.ExitCode == 0, described.ToString());
                var configs = JsonDocument.Parse(described.StdOut).RootElement.GetProperty("configs");
                Assert.Equal("98765", configs.GetProperty("retention.ms").GetProperty("value").GetString());
                Assert.Equal("DYNAMIC_TOPIC_CONFIG", configs.GetProperty("retention.ms").GetProperty("source").GetString());
                Assert.Equal("5000000", configs.GetProperty("retention.bytes").GetProperty("value").GetString());
                Assert.Equal("DYNAMIC_DEFAULT_BROKER_CONFIG", configs.GetProperty("retention.bytes").GetProperty("source").GetString());

                var log = host.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!.Log.Config;
                Assert.Equal(98765, log.RetentionMs);
                Assert.Equal(5000000, log.RetentionBytes);

                var listed = await ProcessRunner.RunAsync("kcat", ["-b", bootstrap, "-X", "broker.address.family=v4", "-L"]);
                Assert.True(listed.ExitCode == 0, listed.ToString());
                Assert.Contains($"topic \"{topic}\"", listed.StdOut, StringComparison.Ordinal);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
