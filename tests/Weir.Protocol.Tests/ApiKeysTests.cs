namespace Weir.Protocol.Tests;

public class ApiKeysTests
{
    [Fact]
    public void Table_describes_produce_and_fetch()
    {
        Assert.Equal(0, (short)ApiKey.Produce);
        Assert.Equal(18, (short)ApiKey.ApiVersions);
        var produce = ApiKeys.Get(ApiKey.Produce);
        Assert.Equal("Produce", produce.Name);
        Assert.Equal(0, produce.LowestSupportedVersion);
        Assert.Equal(11, produce.HighestSupportedVersion);
        Assert.Equal(9, produce.FirstFlexibleVersion);
        Assert.True(produce.Listeners.HasFlag(ApiListeners.Broker));
        Assert.False(produce.Listeners.HasFlag(ApiListeners.Controller));
        Assert.False(ApiKeys.TryGet(-1, out _));
        Assert.False(ApiKeys.TryGet(short.MaxValue, out _));
    }

    [Fact]
    public void Header_versions_follow_flexibility_with_kafkas_exceptions()
    {
        Assert.Equal(1, ApiKeys.RequestHeaderVersion(ApiKey.Produce, 8));
        Assert.Equal(2, ApiKeys.RequestHeaderVersion(ApiKey.Produce, 9));
        Assert.Equal(0, ApiKeys.RequestHeaderVersion(ApiKey.ControlledShutdown, 0));
        Assert.Equal(1, ApiKeys.RequestHeaderVersion(ApiKey.ControlledShutdown, 1));
        Assert.Equal(0, ApiKeys.ResponseHeaderVersion(ApiKey.Produce, 8));
        Assert.Equal(1, ApiKeys.ResponseHeaderVersion(ApiKey.Produce, 9));
        Assert.Equal(0, ApiKeys.ResponseHeaderVersion(ApiKey.ApiVersions, 3));
        Assert.Equal(2, ApiKeys.RequestHeaderVersion(ApiKey.ApiVersions, 3));
    }

    [Fact]
    public void Unstable_latest_versions_are_flagged()
    {
        Assert.Contains(ApiKeys.All, a => a.LatestVersionUnstable);
        Assert.Contains(ApiKeys.All, a => !a.LatestVersionUnstable);
    }
}
