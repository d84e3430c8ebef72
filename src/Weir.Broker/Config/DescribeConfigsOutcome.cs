using Weir.Protocol;

namespace Weir.Broker.Config;

/// <summary>The configs of one resource, or why they cannot be described.</summary>
public sealed record DescribeConfigsOutcome(ErrorCode Error, string? Message, IReadOnlyList<DescribedConfig> Configs)
{
    public static DescribeConfigsOutcome Fail(ErrorCode error, string? message) => new(error, message, []);
}
