using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>DescribeGroups v0–5: state, protocol and members (with metadata and assignment) of classic groups.</summary>
public sealed class DescribeGroupsHandler(GroupCoordinator groups) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    public override ApiKey Key => ApiKey.DescribeGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request, CancellationToken cancellationToken) =>
        await groups.DescribeGroupsAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}
