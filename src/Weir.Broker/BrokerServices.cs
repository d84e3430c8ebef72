using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Config;
using Weir.Broker.Dispatch;
using Weir.Broker.Handlers;
using Weir.Broker.Network;

namespace Weir.Broker;

/// <summary>Registers the broker's services and every API handler.</summary>
public static class BrokerServices
{
    public static void Add(IServiceCollection services, BrokerConfig config)
    {
        services.AddSingleton(config);
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RequestMemoryPool>();
        services.AddSingleton<ConnectionLimits>();
        services.AddSingleton<ConnectionReaper>();
        services.AddSingleton<BrokerRuntime>();
        services.AddSingleton(sp => sp.GetRequiredService<BrokerRuntime>().Groups);
        services.AddSingleton<IApiHandler, ProduceHandler>();
        services.AddSingleton<IApiHandler, FetchHandler>();
        services.AddSingleton<IApiHandler, ListOffsetsHandler>();
        services.AddSingleton<IApiHandler, MetadataHandler>();
        services.AddSingleton<IApiHandler, ApiVersionsHandler>();
        services.AddSingleton<IApiHandler, CreateTopicsHandler>();
        services.AddSingleton<IApiHandler, DeleteTopicsHandler>();
        services.AddSingleton<IApiHandler, InitProducerIdHandler>();
        services.AddSingleton<IApiHandler, DescribeConfigsHandler>();
        services.AddSingleton<IApiHandler, AlterConfigsHandler>();
        services.AddSingleton<IApiHandler, IncrementalAlterConfigsHandler>();
        services.AddSingleton<IApiHandler, DescribeClusterHandler>();
        services.AddSingleton<IApiHandler, DescribeQuorumHandler>();
        services.AddSingleton<IApiHandler, CreatePartitionsHandler>();
        services.AddSingleton<IApiHandler, DeleteRecordsHandler>();
        services.AddSingleton<IApiHandler, OffsetForLeaderEpochHandler>();
        services.AddSingleton<IApiHandler, DescribeProducersHandler>();
        services.AddSingleton<IApiHandler, DescribeLogDirsHandler>();
        services.AddSingleton<IApiHandler, FindCoordinatorHandler>();
        services.AddSingleton<IApiHandler, JoinGroupHandler>();
        services.AddSingleton<IApiHandler, SyncGroupHandler>();
        services.AddSingleton<IApiHandler, HeartbeatHandler>();
        services.AddSingleton<IApiHandler, LeaveGroupHandler>();
        services.AddSingleton<IApiHandler, OffsetCommitHandler>();
        services.AddSingleton<IApiHandler, OffsetFetchHandler>();
        services.AddSingleton<IApiHandler, DescribeGroupsHandler>();
        services.AddSingleton<IApiHandler, ListGroupsHandler>();
        services.AddSingleton<IApiHandler, DeleteGroupsHandler>();
        services.AddSingleton<IApiHandler, OffsetDeleteHandler>();
        services.AddSingleton<ApiHandlerRegistry>();
        services.AddSingleton<IRequestProcessor, RequestDispatcher>();
    }
}
