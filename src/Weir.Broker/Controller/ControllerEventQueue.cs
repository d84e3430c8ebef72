using System.Collections.Concurrent;

namespace Weir.Broker.Controller;

/// <summary>
/// The controller's one thread (Kafka's KafkaEventQueue under QuorumController): every request and
/// every commit runs here, one at a time, so the control managers need no locks and request threads
/// never hold one while the log is written. Commits go first. A request starts only while
/// <c>canStartRequest</c> holds — the controller keeps it false while any of its records await a
/// commit, so each decision is validated against committed state.
/// </summary>
internal sealed class ControllerEventQueue : IDisposable
{
    private readonly ConcurrentQueue<ControllerEvent> _commits = new();
    private readonly ConcurrentQueue<ControllerEvent> _requests = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Func<bool> _canStartRequest;
    private readonly Action<Exception> _onFault;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public ControllerEventQueue(string name, Func<bool> canStartRequest, Action<Exception> onFault)
    {
        _canStartRequest = canStartRequest;
        _onFault = onFault;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues a committed batch to replay; runs before any queued request.</summary>
    public void PostCommit(ControllerEvent e) => Post(_commits, e);

    public void PostRequest(ControllerEvent e) => Post(_requests, e);

    /// <summary>Stops after the event running now; queued requests fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _stopping = true;
        _signal.Release();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        var stopped = new ObjectDisposedException(nameof(QuorumController), "The controller has shut down.");
        while (_requests.TryDequeue(out var e) || _commits.TryDequeue(out e))
        {
            e.Fail(stopped);
        }
    }

    private void Post(ConcurrentQueue<ControllerEvent> queue, ControllerEvent e)
    {
        if (_stopping)
        {
            e.Fail(new ObjectDisposedException(nameof(QuorumController), "The controller has shut down."));
            return;
        }

        queue.Enqueue(e);
        _signal.Release();
    }

    private void Run()
    {
        while (!_stopping)
        {
            if (_commits.TryDequeue(out var e) || (_canStartRequest() && _requests.TryDequeue(out e)))
            {
                try
                {
                    e.Run();
                }
                catch (Exception ex)
                {
                    // A bug in an event (expected failures are values): the controller stops taking work.
                    e.Fail(ex);
                    _onFault(ex);
                }

                continue;
            }

            // Released once per post, so a wake-up may find the event already run: the loop just looks again.
            _signal.Wait();
        }
    }
}

/// <summary>One unit of controller work.</summary>
internal abstract class ControllerEvent
{
    public abstract void Run();

    /// <summary>Completes the caller's task with <paramref name="error"/> when the event cannot run.</summary>
    public abstract void Fail(Exception error);
}
