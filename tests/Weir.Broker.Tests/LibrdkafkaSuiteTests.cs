using System.Text.RegularExpressions;

namespace Weir.Broker.Tests;

/// <summary>
/// librdkafka 2.0.2's own test suite against the broker, one test per case, as the suite's
/// single-broker mode runs it (no trivup, no Java). scripts/setup-librdkafka-suite.sh builds the
/// suite; the list holds the tests this broker passes (the issue notes say why the others fail).
/// Tests run in full, not in the suite's quick mode (-Q), where every SUB_TEST() not marked quick
/// returns at once: a test made of such subtests "passes" in 0.000 s having run nothing. A case
/// named "NNNN quick" runs in quick mode (README: why), and a test made of subtests counts as
/// passed only if its output shows at least one subtest that ran and passed.
/// </summary>
public sealed partial class LibrdkafkaSuiteTests(SuiteBrokerFixture broker) : IClassFixture<SuiteBrokerFixture>
{
    private const string QuickSuffix = " quick";

    private static readonly string SuiteDir = Path.Combine(
        Environment.GetEnvironmentVariable("WEIR_CLIENTS_DIR") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "weir-clients"),
        "librdkafka");

    /// <summary>
    /// Tests whose broker part is made of SUB_TEST()s (0081's cases too: they select subtests by name),
    /// from the suite's sources and a full run. A run of one of them that shows no subtest passing ran
    /// nothing, whatever its exit status says.
    /// </summary>
    private static readonly HashSet<string> MadeOfSubtests =
    [
        "0015", "0018", "0019", "0022", "0026", "0030", "0045", "0081", "0102", "0113", "0122", "0130", "0132", "0137",
    ];

    public static TheoryData<string> Passing => new()
    {
        // produce tier
        "0001", "0002", "0003", "0005", "0007", "0011", "0012", "0013", "0017", "0021", "0039",
        "0048", "0070", "0073", "0084", "0085", "0110", "0114", "0125",
        // consume tier
        "0014", "0015", "0022", "0026", "0029", "0031", "0034", "0036", "0041", "0042", "0054",
        "0059", "0063", "0067", "0082", "0112",
        // idempotence
        "0090",
        // groups tier; 0113: its quick part, then its other subtests one by one but those that delete
        // topics (h, i, j, n hang in rd_kafka_destroy, README) and u (over 150 s under load)
        "0018", "0019", "0020", "0030", "0033", "0040", "0045", "0050", "0051", "0056", "0060", "0083",
        "0089", "0091", "0093", "0099", "0102", "0113" + QuickSuffix, "0113/c_subscribe_no_cb_test",
        "0113/d_change_subscription_add_topic", "0113/e_change_subscription_remove_topic", "0113/f_assign_call_cooperative",
        "0113/g_incremental_assign_call_eager", "0113/k_add_partition", "0113/l_unsubscribe", "0113/m_unsubscribe_2",
        "0113/s_subscribe_when_rebalancing", "0113/t_max_poll_interval_exceeded", "0113/v_commit_during_rebalance",
        "0118", "0122", "0130", "0132",
        // admin: 0044 (topic configs), 0069 (CreatePartitions under a group), and 0081's topic, config,
        // record and group parts (0081 as a whole stops at its ACL part: Weir has no ACL APIs yet;
        // 0081/DescribeConsumerGroups is out: see the README)
        "0044", "0069", "0081/CreateTopics", "0081/DeleteTopics", "0081/CreatePartitions", "0081/AlterConfigs",
        "0081/DescribeConfigs", "0081/DeleteRecords", "0081/DeleteGroups", "0081/ListConsumerGroups",
        "0081/DeleteConsumerGroupOffsets", "0081/AlterConsumerGroupOffsets",
        "0081/ListConsumerGroupOffsets",
        // other
        "0035",
    };

    [Theory]
    [MemberData(nameof(Passing))]
    public async Task Suite_test_passes(string test)
    {
        var quick = test.EndsWith(QuickSuffix, StringComparison.Ordinal);
        test = quick ? test[..^QuickSuffix.Length] : test;

        // "0081/DeleteGroups" runs only the subtests of 0081 whose name contains DeleteGroups.
        var slash = test.IndexOf('/', StringComparison.Ordinal);
        var subtests = slash < 0 ? string.Empty : test[(slash + 1)..];
        test = slash < 0 ? test : test[..slash];
        var runner = Path.Combine(SuiteDir, "tests", "test-runner");
        Assert.True(File.Exists(runner), $"{runner} is missing: run scripts/setup-test-deps.sh (it builds librdkafka's test suite).");
        var conf = Path.GetTempFileName();
        await File.WriteAllTextAsync(conf, $"""
            metadata.broker.list={broker.Bootstrap}
            broker.address.family=v4
            test.timeout.multiplier=2.5
            test.topic.random=true
            """);
        try
        {
            var result = await ProcessRunner.RunAsync(
                "/usr/bin/env",
                [
                    $"RDKAFKA_TEST_CONF={conf}", "TEST_KAFKA_VERSION=3.1.0", $"BROKERS={broker.Bootstrap}", $"TESTS={test}", $"SUBTESTS={subtests}",
                    $"LD_LIBRARY_PATH={Path.Combine(SuiteDir, "src")}:{Path.Combine(SuiteDir, "src-cpp")}",
                    "sh", "-c", $"cd '{Path.Combine(SuiteDir, "tests")}' && exec ./test-runner -L -E {(quick ? "-Q " : string.Empty)}-p1",
                ],
                timeout: TimeSpan.FromMinutes(6));
            var output = result.StdOut + result.StdErr;
            Assert.True(result.ExitCode == 0, $"librdkafka test {test} failed:\n{Tail(output)}");
            Assert.Contains("ALL TESTS PASSED", output, StringComparison.Ordinal);
            if (MadeOfSubtests.Contains(test) || subtests.Length > 0)
            {
                Assert.True(SubtestPassed().IsMatch(output), $"librdkafka test {test} ran no subtest{(quick ? " in quick mode" : string.Empty)}: it checked nothing.\n{Tail(output)}");
            }
        }
        finally
        {
            File.Delete(conf);
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    /// <summary>test.c's test_sub_pass line: "[ do_test_foo:123: name: PASS (1.23s) ]".</summary>
    [GeneratedRegex(@"\[ \S+:\d+[^\]\n]*: PASS \(\d+\.\d+s\) \]")]
    private static partial Regex SubtestPassed();
}

/// <summary>
/// The suite's broker. Several tests produce with 1970 timestamps (0059 bsearch); Kafka's
/// time retention would delete those segments at its next check, as Weir's does, so this broker
/// checks retention only once an hour, longer than the suite runs.
/// </summary>
public sealed class SuiteBrokerFixture : BrokerFixture
{
    protected override IReadOnlyDictionary<string, string>? ExtraConfig => new Dictionary<string, string>
    {
        ["log.retention.check.interval.ms"] = "3600000",
    };
}
