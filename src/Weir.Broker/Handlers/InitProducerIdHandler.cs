using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// InitProducerId v0–5 for idempotent producers: a fresh producer id from a block the
/// controller allocated and recorded, epoch 0. Transactional ids need the transaction coordinator, which is
/// not built yet: they get INVALID_REQUEST.
/// </summary>
public sealed class InitProducerIdHandler(BrokerRuntime runtime) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    public override ApiKey Key => ApiKey.InitProducerId;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId is not null)
        {
            return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.InvalidRequest };
        }

        var (error, id) = await runtime.ProducerIds.GenerateAsync(cancellationToken).ConfigureAwait(false);
        return error == ErrorCode.None
            ? new InitProducerIdResponse { ProducerId = id, ProducerEpoch = 0 }
            : new InitProducerIdResponse { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
    }
}
