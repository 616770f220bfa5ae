package io.tollgate.tenant.db;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;

import java.sql.Connection;
import java.sql.SQLException;

/** DbClient's connection pool SPI over HikariCP (helidon-dbclient-hikari is not served at 4.5.0). */
final class HikariConnectionPool implements CloseableJdbcConnectionPool {
    private final HikariDataSource dataSource;

    HikariConnectionPool(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection connection() {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DbClientException("could not get a connection from the pool", e);
        }
    }

    @Override
    public String dbType() {
        return "jdbc:postgresql";
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
