namespace Weir.Protocol.Tests;

public class ErrorCodeTests
{
    [Fact]
    public void Every_code_in_errors_tsv_is_covered_with_name_retriability_and_description()
    {
        var lines = File.ReadAllLines(Path.Combine(GeneratedCodeTests.SchemaDir(), "errors.tsv")).Skip(1).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var cols = line.Split('\t');
            var code = short.Parse(cols[0], System.Globalization.CultureInfo.InvariantCulture);
            var info = ErrorCodes.Find(code);
            Assert.NotNull(info);
            Assert.Equal(cols[1], info.KafkaName);
            Assert.Equal(cols[2] == "yes", info.IsRetriable);
            Assert.False(string.IsNullOrWhiteSpace(info.Description), cols[1]);
            Assert.NotEqual(cols[3], info.Description);
        }

        Assert.Equal(lines.Count, ErrorCodes.All.Count);
    }

    [Fact]
    public void Names_are_pascal_case_of_kafka_names()
    {
        Assert.Equal(0, (short)ErrorCode.None);
        Assert.Equal(-1, (short)ErrorCode.UnknownServerError);
        Assert.Equal(6, (short)ErrorCode.NotLeaderOrFollower);
        Assert.True(ErrorCode.NotLeaderOrFollower.IsRetriable());
        Assert.False(ErrorCode.TopicAlreadyExists.IsRetriable());
        Assert.Equal("NOT_LEADER_OR_FOLLOWER", ErrorCode.NotLeaderOrFollower.KafkaName());
        Assert.Null(ErrorCodes.Find(short.MaxValue));
    }
}
