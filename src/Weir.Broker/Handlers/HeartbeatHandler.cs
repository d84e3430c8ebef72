using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>Heartbeat v0–4: keeps a member's session alive and tells it when a rebalance is under way.</summary>
public sealed class HeartbeatHandler(GroupCoordinator groups) : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    public override ApiKey Key => ApiKey.Heartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken) =>
        await groups.HeartbeatAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
