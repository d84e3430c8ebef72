using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>SyncGroup v0–5: the leader hands in the assignment; every member waits for its own.</summary>
public sealed class SyncGroupHandler(GroupCoordinator groups) : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    public override ApiKey Key => ApiKey.SyncGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request, CancellationToken cancellationToken) =>
        await groups.SyncGroupAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
