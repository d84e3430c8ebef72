using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>OffsetFetch v0–9: committed offsets of one group (v0–7) or several (v8+); all partitions when none are named (v2+).</summary>
public sealed class OffsetFetchHandler(GroupCoordinator groups) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    public override ApiKey Key => ApiKey.OffsetFetch;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request, CancellationToken cancellationToken) =>
        await groups.OffsetFetchAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
