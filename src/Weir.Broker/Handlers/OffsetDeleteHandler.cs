using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>OffsetDelete v0: removes committed offsets of partitions the group no longer subscribes to.</summary>
public sealed class OffsetDeleteHandler(GroupCoordinator groups) : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    public override ApiKey Key => ApiKey.OffsetDelete;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request, CancellationToken cancellationToken) =>
        await groups.OffsetDeleteAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
