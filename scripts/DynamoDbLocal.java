// The local DynamoDB of development and tests: AWS's DynamoDB Local (the jar that
// scripts/install-tools.sh installs in .tools/dynamodb-local), in memory, one database for every
// credential and region, no telemetry, listening on HOST only (the jar's own command line has no
// address option and listens on every interface).
//
// Usage (run from source, the jar and its libraries on the class path; see scripts/lib.sh):
//   java -Djava.library.path=.tools/dynamodb-local/DynamoDBLocal_lib \
//        -cp '.tools/dynamodb-local/DynamoDBLocal.jar:.tools/dynamodb-local/DynamoDBLocal_lib/*' \
//        scripts/DynamoDbLocal.java HOST PORT [--stop-on-eof]
// With --stop-on-eof the server ends once its standard input closes, so that an emulator never
// outlives the test process that started it.

import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDbLocal {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: DynamoDbLocal.java HOST PORT [--stop-on-eof]");
            System.exit(2);
        }
        String host = args[0];
        String port = args[1];
        boolean stopOnEof = args.length > 2 && args[2].equals("--stop-on-eof");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(
                new String[] {"-inMemory", "-sharedDb", "-disableTelemetry", "-port", port});
        // The Jetty server is built with a port only; its connector takes a host until it starts.
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost(host);
        }
        if (stopOnEof) {
            Thread watch = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // nothing is read from the parent: only its end matters
                    }
                } catch (Exception e) {
                    // a broken pipe ends the server as a closed one does
                }
                Runtime.getRuntime().halt(0);
            });
            watch.setDaemon(true);
            watch.start();
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host + ":" + port);
        proxy.join();
    }
}
