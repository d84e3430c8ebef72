namespace Weir.Storage.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(long nowMs) : TimeProvider
{
    public long NowMs { get; set; } = nowMs;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
}
