using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>LeaveGroup v0–5: one member (v0–2) or a batch of members, static ones by instance id (v3+).</summary>
public sealed class LeaveGroupHandler(GroupCoordinator groups) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    public override ApiKey Key => ApiKey.LeaveGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request, CancellationToken cancellationToken) =>
        await groups.LeaveGroupAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
