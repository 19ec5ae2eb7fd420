package dev.mediaplane.agent.bridge;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

/**
 * A loopback TLS websocket server speaking Deepgram's live protocol or AssemblyAI's Universal Streaming v3 as
 * documented, as strictly as the services: the upgrade is refused with 401 for a wrong key and 400 for a
 * wrong query; Deepgram closes with 1011 after {@link #idleTimeoutMs} without audio or KeepAlive; AssemblyAI
 * closes with 3007 for a message outside 50-1000 ms; text messages must be the documented JSON.
 *
 * <p>Results are deterministic: every 500 ms of a channel's audio (connection-local time, as the services
 * count it) gives a final result {@code "c<channel> <startMs>-<endMs>"} (an interim at 250 ms), so a test can
 * check which audio each result covers. Faults: {@link #dropAfterBytes} cuts the TCP connection (no close
 * frame) once a connection received that many audio bytes; {@link #stallReadsMs} stops reading for a while.
 */
final class FakeSpeechServer implements AutoCloseable {

    enum Kind { DEEPGRAM, ASSEMBLYAI }

    /** One accepted websocket connection and what it received. */
    static final class Conn {
        final String path;
        final Map<String, List<String>> query;
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<long[]> arrivals = Collections.synchronizedList(new ArrayList<>()); // {nanos, cumulative bytes}
        final List<String> texts = new CopyOnWriteArrayList<>();
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<Integer> messageSizes = new CopyOnWriteArrayList<>();
        volatile boolean closedByClient;
        volatile int closeCode = -1;
        Channel channel;
        long emittedUntil; // bytes of one channel already covered by a final
        long interimUntil;
        long lastActivityNanos = System.nanoTime();

        Conn(String path, Map<String, List<String>> query) {
            this.path = path;
            this.query = query;
        }

        synchronized byte[] audioBytes() {
            return audio.toByteArray();
        }

        synchronized int audioSize() {
            return audio.size();
        }

        int channels() {
            List<String> c = query.get("channels");
            return c == null ? 1 : Integer.parseInt(c.get(0));
        }
    }

    final Kind kind;
    volatile String key;
    volatile long idleTimeoutMs = 10_000;
    volatile long dropAfterBytes = -1;
    volatile long stallReadsMs;
    volatile long stallAfterBytes = -1;
    final List<Conn> conns = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    FakeSpeechServer(Kind kind, String key) throws Exception {
        this.kind = kind;
        this.key = key;
        javax.net.ssl.SSLContext tls = TestTls.server();
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SSLEngine e = tls.createSSLEngine();
                        e.setUseClientMode(false);
                        ch.pipeline().addLast(new SslHandler(e), new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new Handler());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        group.scheduleAtFixedRate(this::idleCheck, 100, 100, TimeUnit.MILLISECONDS);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    URI base() {
        return URI.create("wss://127.0.0.1:" + port() + (kind == Kind.DEEPGRAM ? "/v1/listen" : "/v3/ws"));
    }

    Conn conn(int i) {
        return conns.get(i);
    }

    private void idleCheck() {
        if (kind != Kind.DEEPGRAM) {
            return;
        }
        long now = System.nanoTime();
        for (Conn c : conns) {
            if (c.channel != null && c.channel.isActive() && c.closeCode < 0
                    && now - c.lastActivityNanos > idleTimeoutMs * 1_000_000) {
                // NET-0001: no audio and no KeepAlive within the window
                c.closeCode = 1011;
                c.channel.writeAndFlush(new CloseWebSocketFrame(1011, "NET-0001")).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private WebSocketServerHandshaker hs;
        private Conn conn;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                upgrade(ctx, req);
            } else if (msg instanceof WebSocketFrame f) {
                frame(ctx, f);
            }
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            String want = kind == Kind.DEEPGRAM ? "Token " + key : key;
            String problem = null;
            HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
            if (auth == null || !auth.equals(want)) {
                status = HttpResponseStatus.UNAUTHORIZED;
                problem = "auth";
            } else if (kind == Kind.DEEPGRAM && (!q.path().equals("/v1/listen") || !one(q, "encoding", "linear16")
                    || !q.parameters().containsKey("sample_rate") || !q.parameters().containsKey("channels"))) {
                problem = "query " + req.uri();
            } else if (kind == Kind.ASSEMBLYAI && (!q.path().equals("/v3/ws") || !one(q, "encoding", "pcm_s16le")
                    || !q.parameters().containsKey("sample_rate") || !q.parameters().containsKey("speech_model"))) {
                problem = "query " + req.uri();
            }
            if (problem != null) {
                refusals.add(status.code() + " " + problem);
                DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        Unpooled.copiedBuffer("{\"err_code\":\"" + status.reasonPhrase() + "\"}", StandardCharsets.UTF_8));
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            hs = new WebSocketServerHandshakerFactory("wss://127.0.0.1" + q.path(), null, false, 1 << 20).newHandshaker(req);
            conn = new Conn(q.path(), q.parameters());
            conn.channel = ctx.channel();
            hs.handshake(ctx.channel(), req).addListener(f -> {
                conns.add(conn);
                if (kind == Kind.ASSEMBLYAI) {
                    send(conn, "{\"type\":\"Begin\",\"id\":\"sess-" + conns.size() + "\",\"expires_at\":1759796682}");
                }
            });
        }

        private boolean one(QueryStringDecoder q, String k, String v) {
            List<String> l = q.parameters().get(k);
            return l != null && l.size() == 1 && l.get(0).equals(v);
        }

        private void frame(ChannelHandlerContext ctx, WebSocketFrame f) {
            Conn c = conn;
            c.lastActivityNanos = System.nanoTime();
            if (f instanceof BinaryWebSocketFrame) {
                byte[] b = new byte[f.content().readableBytes()];
                f.content().readBytes(b);
                long total;
                synchronized (c) {
                    c.audio.write(b, 0, b.length);
                    total = c.audio.size();
                }
                c.arrivals.add(new long[] {System.nanoTime(), total});
                c.messageSizes.add(b.length);
                if (kind == Kind.ASSEMBLYAI) {
                    long ms = b.length / bytesPerMs(c);
                    if (ms < 50 || ms > 1000) {
                        violations.add("message of " + ms + " ms");
                        c.closeCode = 3007;
                        ctx.writeAndFlush(new CloseWebSocketFrame(3007, "Input duration violation"))
                                .addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                }
                results(c, false);
                long drop = dropAfterBytes;
                if (drop >= 0 && total >= drop) {
                    dropAfterBytes = -1;
                    ctx.channel().close(); // a cut TCP connection: no close frame
                    return;
                }
                long stallAt = stallAfterBytes;
                if (stallAt >= 0 && total >= stallAt) {
                    stallAfterBytes = -1;
                    ctx.channel().config().setAutoRead(false);
                    ctx.executor().schedule(() -> {
                        ctx.channel().config().setAutoRead(true);
                    }, stallReadsMs, TimeUnit.MILLISECONDS);
                }
            } else if (f instanceof TextWebSocketFrame t) {
                String s = t.text();
                c.texts.add(s);
                String type;
                try {
                    type = JsonParser.parseString(s).getAsJsonObject().get("type").getAsString();
                } catch (RuntimeException e) {
                    violations.add("not JSON: " + s);
                    return;
                }
                switch (kind == Kind.DEEPGRAM ? "dg:" + type : "aai:" + type) {
                    case "dg:KeepAlive" -> { }
                    case "dg:Finalize" -> results(c, true);
                    case "dg:CloseStream" -> {
                        results(c, true);
                        send(c, "{\"type\":\"Metadata\",\"request_id\":\"r\",\"duration\":" + c.audioSize()
                                / (double) bytesPerMs(c) / 1000 + ",\"channels\":" + c.channels() + "}");
                        c.closeCode = 1000;
                        ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
                    }
                    case "aai:Terminate" -> {
                        results(c, true);
                        send(c, "{\"type\":\"Termination\",\"audio_duration_seconds\":" + c.audioSize() / 16000
                                + ",\"session_duration_seconds\":1}");
                        c.closeCode = 1000;
                        ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
                    }
                    default -> violations.add("unexpected message " + s);
                }
            } else if (f instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(f.content().retain()));
            } else if (f instanceof CloseWebSocketFrame cf) {
                c.closedByClient = true;
                ctx.writeAndFlush(new CloseWebSocketFrame(cf.statusCode(), "")).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static long bytesPerMs(Conn c) {
        int rate = Integer.parseInt(c.query.get("sample_rate").get(0));
        return rate / 1000L * 2 * c.channels();
    }

    /** Finals every 500 ms of audio, interims at 250 ms; {@code flush} covers the rest (Finalize, Terminate). */
    private void results(Conn c, boolean flush) {
        long perChMs = c.audioSize() / bytesPerMs(c); // not a copy of everything received, per message
        synchronized (c) {
            while (c.emittedUntil + 500 <= perChMs || flush && c.emittedUntil < perChMs) {
                long end = Math.min(c.emittedUntil + 500, perChMs);
                emit(c, c.emittedUntil, end, true);
                c.emittedUntil = end;
                c.interimUntil = end;
            }
            if (c.interimUntil + 250 <= perChMs) {
                emit(c, c.emittedUntil, perChMs, false);
                c.interimUntil = perChMs;
            }
        }
    }

    private void emit(Conn c, long startMs, long endMs, boolean fin) {
        if (kind == Kind.DEEPGRAM) {
            for (int ch = 0; ch < c.channels(); ch++) {
                JsonObject o = new JsonObject();
                o.addProperty("type", "Results");
                JsonArray idx = new JsonArray();
                idx.add(ch);
                idx.add(c.channels());
                o.add("channel_index", idx);
                o.addProperty("start", startMs / 1000.0);
                o.addProperty("duration", (endMs - startMs) / 1000.0);
                o.addProperty("is_final", fin);
                o.addProperty("speech_final", fin);
                JsonObject alt = new JsonObject();
                alt.addProperty("transcript", "c" + ch + " " + startMs + "-" + endMs);
                alt.addProperty("confidence", 0.9);
                JsonArray alts = new JsonArray();
                alts.add(alt);
                JsonObject channel = new JsonObject();
                channel.add("alternatives", alts);
                o.add("channel", channel);
                send(c, o.toString());
            }
        } else {
            JsonObject o = new JsonObject();
            o.addProperty("type", "Turn");
            o.addProperty("turn_order", c.sent.size());
            o.addProperty("turn_is_formatted", false);
            o.addProperty("end_of_turn", fin);
            o.addProperty("transcript", "c0 " + startMs + "-" + endMs);
            JsonArray words = new JsonArray();
            JsonObject w = new JsonObject();
            w.addProperty("start", startMs);
            w.addProperty("end", endMs);
            w.addProperty("text", "w");
            w.addProperty("confidence", 0.9);
            w.addProperty("word_is_final", fin);
            words.add(w);
            o.add("words", words);
            send(c, o.toString());
        }
    }

    private void send(Conn c, String s) {
        c.sent.add(s);
        c.channel.writeAndFlush(new TextWebSocketFrame(s));
    }
}
