using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>OffsetCommit v0–9: group members' and standalone (simple consumer) commits, stored in __consumer_offsets.</summary>
public sealed class OffsetCommitHandler(GroupCoordinator groups) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override ApiKey Key => ApiKey.OffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request, CancellationToken cancellationToken) =>
        await groups.OffsetCommitAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
