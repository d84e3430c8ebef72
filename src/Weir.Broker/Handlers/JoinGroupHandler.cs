using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>JoinGroup v0–9: the classic group coordinator parks the request until the rebalance completes; the member's client id and host come from the connection.</summary>
public sealed class JoinGroupHandler(GroupCoordinator groups) : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    public override ApiKey Key => ApiKey.JoinGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext context, JoinGroupRequest request, CancellationToken cancellationToken) =>
        await groups.JoinGroupAsync(request, context.ApiVersion, context.ClientId ?? string.Empty, context.Connection.ClientHost, cancellationToken).ConfigureAwait(false);
}
