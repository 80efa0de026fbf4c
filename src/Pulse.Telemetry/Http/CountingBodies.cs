using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Pulse.Telemetry.Http;

/// <summary>
/// Counts the bytes of a response body whatever the application writes through: the stream, the pipe
/// or SendFile. Kestrel knows the count but does not expose it, and minimal APIs write JSON without a
/// Content-Length, so the count has to be taken here. Instances are pooled: <see cref="Attach"/> at the
/// start of a request, <see cref="Detach"/> once the pipeline has returned, so measuring allocates nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The wrapper stream holds nothing to release; the server owns and disposes the real body.")]
internal sealed class CountingResponseBodyFeature : IHttpResponseBodyFeature
{
    private readonly CountingWriteStream _stream;
    private readonly CountingPipeWriter _writer;
    private IHttpResponseBodyFeature? _inner;

    public CountingResponseBodyFeature()
    {
        _stream = new CountingWriteStream(this);
        _writer = new CountingPipeWriter(this);
    }

    public long BytesWritten { get; set; }

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer;

    internal IHttpResponseBodyFeature Inner => _inner ?? throw new ObjectDisposedException(nameof(CountingResponseBodyFeature), "The response has completed.");

    public void Attach(IHttpResponseBodyFeature inner)
    {
        _inner = inner;
        BytesWritten = 0;
    }

    public void Detach() => _inner = null;

    public void DisableBuffering() => Inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => Inner.StartAsync(cancellationToken);

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await Inner.SendFileAsync(path, offset, count, cancellationToken);
        BytesWritten += count ?? new FileInfo(path).Length - offset;
    }

    public Task CompleteAsync() => Inner.CompleteAsync();
}

internal sealed class CountingPipeWriter(CountingResponseBodyFeature counter) : PipeWriter
{
    private PipeWriter Inner => counter.Inner.Writer;

    public override bool CanGetUnflushedBytes => Inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => Inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        counter.BytesWritten += bytes;
        Inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => Inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        counter.BytesWritten += source.Length;
        return Inner.WriteAsync(source, cancellationToken);
    }

    public override void CancelPendingFlush() => Inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => Inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => Inner.CompleteAsync(exception);
}

internal sealed class CountingWriteStream(CountingResponseBodyFeature counter) : Stream
{
    private Stream Inner => counter.Inner.Stream;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        counter.BytesWritten += count;
        Inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        counter.BytesWritten += buffer.Length;
        Inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        counter.BytesWritten += count;
        return Inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        counter.BytesWritten += buffer.Length;
        return Inner.WriteAsync(buffer, cancellationToken);
    }
}

/// <summary>Counts the bytes read from a request body that arrived without a Content-Length (chunked).</summary>
internal sealed class CountingReadStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Counted(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int read)
    {
        BytesRead += read;
        return read;
    }
}
