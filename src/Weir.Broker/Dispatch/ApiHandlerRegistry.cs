
namespace Weir.Broker.Dispatch;

/// <summary>Every handler this broker serves, in a dense table indexed by ApiKey.</summary>
public sealed class ApiHandlerRegistry
{
    private readonly IApiHandler?[] _byKey;

    public ApiHandlerRegistry(IEnumerable<IApiHandler> handlers)
    {
        var list = handlers.OrderBy(h => (int)h.Key).ToList();
        _byKey = new IApiHandler?[list.Count == 0 ? 0 : (int)list[^1].Key + 1];
        foreach (var handler in list)
        {
            if (_byKey[(int)handler.Key] is not null)
            {
                throw new InvalidOperationException($"Two handlers for {handler.Key}.");
            }

            _byKey[(int)handler.Key] = handler;
        }

        Handlers = list;
    }

    /// <summary>The handlers in ApiKey order, as ApiVersions lists them.</summary>
    public IReadOnlyList<IApiHandler> Handlers { get; }

    public IApiHandler? Find(short apiKey) =>
        apiKey >= 0 && apiKey < _byKey.Length ? _byKey[apiKey] : null;
}
