// Simulation top of the hetsoc SoC, shared by the Verilator and Icarus backends.
//
// Everything per cycle happens here, in the simulator: the clock, program loading ($readmemh
// into the main memory by backdoor), console capture, the cycle limit and the end-of-run report.
// The DMA's AXI4 master goes to an L3 model (axi_ram.v, array l3.mem, kept across jobs).
// The Python side (cocotb, or nothing) only waits for `done`, so it never runs per cycle.
//
// One run executes a list of jobs (+jobs=FILE), one per line:
//   IMAGE TOHOST_HEX MAX_CYCLES CONSOLE_FILE RESULT_FILE DUMP_FILE DUMP_FIRST_WORD DUMP_LAST_WORD
//   L3_IMAGE L3_FIRST_WORD L3_LAST_WORD L3_DUMP_FILE L3_DUMP_FIRST_WORD L3_DUMP_LAST_WORD
//   L3_FAULT_FIRST_WORD L3_FAULT_END_WORD
// IMAGE is a $readmemh file of the whole main memory; DUMP_FILE "-" means no dump. L3_IMAGE
// ("-": none) is loaded by backdoor into words FIRST..LAST of the L3 model's 64-bit array before
// the job starts, and L3_DUMP_FILE ("-": none) receives words FIRST..LAST after it ends, so a
// network's weights and input go in and its output comes out without the CPU. Words
// [L3_FAULT_FIRST_WORD, L3_FAULT_END_WORD) of the L3 model (hex, "0 0": none) answer DECERR
// during the job, beside the build's fixed fault window: an injected L3 error. Between jobs
// the SoC is held in reset and the main memory reloaded, so a batch of programs costs one
// simulator start-up. Each job appends one line to its RESULT_FILE:
//   status=N code=N cycles=N instret=N cause=HEX pc=HEX tval=HEX
// status: 1 exit, 2 trap, 3 fatal (trap handler unreachable), 4 cycle limit reached.
// After a job that reached its cycle limit, the registers listed in +watch=FILE (a count, then
// that many addresses, hex) are read over the SoC's host port with the core held, one line each:
//   watch ADDR_HEX VALUE_HEX ERR
// so the report can name the units still busy and their last descriptors.
`timescale 1ns/1ps

module hetsoc_sim_top (
    output reg done
);
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk = ~clk;
    // The SoC sees reset through a flop: Amaranth's next-state logic reads rst, and a signal the
    // timed code below writes directly would make Verilator evaluate all of that logic a second
    // time on every clock edge (in its "active" region as well as after the flops update).
    // It starts low and rises at the first clock edge: a real event after time 0, so every
    // combinational block of the SoC that depends on it is evaluated in reset. (Started high,
    // Icarus may run a block at time 0 before the reset value arrives and never again: an X
    // in a counter's next-state logic, e.g. the DMA's in-flight beats, then never clears.)
    reg soc_rst = 1'b0;
    always @(posedge clk) soc_rst <= rst;

    // In the default build the SoC gates the clocks of its banks, DMA, NPU and CIM itself
    // (`Soc(gated_acc=True)`): idle blocks get no clock edges, so the simulator skips them.
    // The L3 model runs on the DMA's clock (`l3_clk`), the only block that talks to it.
`ifdef HETSOC_ACC_CLOCK
    wire l3_clk;
`else
    wire l3_clk = clk;
`endif

    reg  [31:0] tohost_addr = 32'd0;
    reg  [31:0] soc_tohost = 32'd0;  // through a flop too, for the same reason
    always @(posedge clk) soc_tohost <= tohost_addr;
    wire        console_valid;
    wire [7:0]  console_data;
    wire [1:0]  status;
    wire [31:0] exit_code, trap_cause, trap_pc, trap_tval;
    wire [63:0] cycle, instret;

    // The DMA's AXI4 master and the L3 model behind it.
    wire [31:0] araddr, awaddr;
    wire [7:0]  arlen, awlen, wstrb;
    wire [63:0] rdata, wdata;
    wire        arvalid, arready, rlast, rvalid, rready, awvalid, awready;
    wire        wlast, wvalid, wready, bvalid, bready;
    wire [1:0]  rresp, bresp;

    // The host port: idle while jobs run; reads the watched registers after a timeout.
    reg         host_req_valid = 1'b0, cpu_hold = 1'b0;
    reg  [31:0] host_addr = 32'd0;
    wire        host_req_ready, host_rsp_valid, host_err;
    wire [31:0] host_rdata;

    hetsoc_soc soc (
        .clk(clk), .rst(soc_rst),
`ifdef HETSOC_ACC_CLOCK
        .l3_clk(l3_clk),
`endif
        .tohost_addr(soc_tohost),
        .console_valid(console_valid), .console_data(console_data),
        .status(status), .exit_code(exit_code),
        .trap_cause(trap_cause), .trap_pc(trap_pc), .trap_tval(trap_tval),
        .cycle(cycle), .instret(instret),
        .m_axi__araddr(araddr), .m_axi__arlen(arlen), .m_axi__arvalid(arvalid),
        .m_axi__arready(arready), .m_axi__arid(), .m_axi__arsize(), .m_axi__arburst(),
        .m_axi__rdata(rdata), .m_axi__rlast(rlast), .m_axi__rvalid(rvalid),
        .m_axi__rready(rready), .m_axi__rid(1'b0), .m_axi__rresp(rresp),
        .m_axi__awaddr(awaddr), .m_axi__awlen(awlen), .m_axi__awvalid(awvalid),
        .m_axi__awready(awready), .m_axi__awid(), .m_axi__awsize(), .m_axi__awburst(),
        .m_axi__wdata(wdata), .m_axi__wstrb(wstrb), .m_axi__wlast(wlast),
        .m_axi__wvalid(wvalid), .m_axi__wready(wready),
        .m_axi__bvalid(bvalid), .m_axi__bready(bready), .m_axi__bid(1'b0),
        .m_axi__bresp(bresp),
        .host__req_valid(host_req_valid), .host__addr(host_addr), .host__we(1'b0),
        .host__wdata(32'd0), .host__wstrb(4'd0), .host__req_ready(host_req_ready),
        .host__rsp_valid(host_rsp_valid), .host__rdata(host_rdata), .host__err(host_err),
        .cpu_hold(cpu_hold)
    );

    // The L3 model's fault window, words [HETSOC_L3_FAULT_LO, HETSOC_L3_FAULT_HI) of its array,
    // answers DECERR (read beats, write bursts). The Python build sets both from
    // hetsoc.sim.hdl.l3_fault_window; left undefined, the window is empty.
`ifndef HETSOC_L3_FAULT_LO
`define HETSOC_L3_FAULT_LO 0
`endif
`ifndef HETSOC_L3_FAULT_HI
`define HETSOC_L3_FAULT_HI 0
`endif
    // Its hang window (hetsoc.sim.hdl.l3_hang_window) never answers: an L3 that stopped.
`ifndef HETSOC_L3_HANG_LO
`define HETSOC_L3_HANG_LO 0
`endif
`ifndef HETSOC_L3_HANG_HI
`define HETSOC_L3_HANG_HI 0
`endif
    hetsoc_axi_ram #(
        .ERR_LO(`HETSOC_L3_FAULT_LO), .ERR_HI(`HETSOC_L3_FAULT_HI), .ERR_RESP(2'b11),
        .HANG_LO(`HETSOC_L3_HANG_LO), .HANG_HI(`HETSOC_L3_HANG_HI)
    ) l3 (
        .clk(l3_clk), .rst(soc_rst),
        .araddr(araddr), .arlen(arlen), .arvalid(arvalid), .arready(arready),
        .rdata(rdata), .rresp(rresp), .rlast(rlast), .rvalid(rvalid), .rready(rready),
        .awaddr(awaddr), .awlen(awlen), .awvalid(awvalid), .awready(awready),
        .wdata(wdata), .wstrb(wstrb), .wlast(wlast), .wvalid(wvalid), .wready(wready),
        .bvalid(bvalid), .bresp(bresp), .bready(bready)
    );

    reg [8*1024-1:0] jobs_path, image, console_path, result_path, dump_path;
    reg [8*1024-1:0] l3_image, l3_dump;
    integer jobs_fd, console_fd, result_fd, n_fields;
    reg [31:0] tohost_in, dump_first, dump_last, l3_first, l3_last, l3_dump_first, l3_dump_last;
    reg [31:0] l3_fault_first, l3_fault_end;
    reg [63:0] max_cycles, clock_count;
    reg running;
    reg [8*1024-1:0] watch_path;
    reg [31:0] watch_addr [0:255];
    reg [31:0] watch_value;
    integer watch_count, watch_fd, watch_i, watch_wait;

    // One read over the host port (the core is held, so the port is the bus's only initiator):
    // the request changes just after a rising edge, as the core's would, and the handshakes
    // are sampled mid-cycle; a port that does not answer within 64 cycles reads as an error.
    task automatic read_watched(input [31:0] addr);
        begin
            @(posedge clk);
            #1;
            host_addr = addr;
            host_req_valid = 1'b1;
            watch_wait = 0;
            @(negedge clk);
            while (!host_req_ready && watch_wait < 64) begin
                @(negedge clk);
                watch_wait = watch_wait + 1;
            end
            @(posedge clk);
            #1;
            host_req_valid = 1'b0;
            @(negedge clk);
            while (!host_rsp_valid && watch_wait < 64) begin
                @(negedge clk);
                watch_wait = watch_wait + 1;
            end
            watch_value = host_rsp_valid ? host_rdata : 32'hDEADBEEF;
            $fwrite(result_fd, "watch %h %h %0d\n", addr, watch_value,
                    host_rsp_valid ? host_err : 1'b1);
        end
    endtask

    always @(posedge clk) begin
        if (running) begin
            clock_count <= clock_count + 64'd1;
            if (console_valid) $fwrite(console_fd, "%c", console_data);
        end
    end
    // The job ends at the first clock edge where, before it, the program has finished or the
    // cycle limit is reached: the job waits for this to rise, not for every clock edge, so no
    // process of the testbench wakes up once per simulated cycle.
    wire stop = running && (status != 2'd0 || clock_count >= max_cycles);

    task automatic run_job;
        begin
            // Hold reset while the memory is replaced, then give the SoC a few reset edges.
            rst = 1'b1;
            cpu_hold = 1'b0;
            tohost_addr = tohost_in;
            $readmemh(image, soc.main_memory.storage);
            if (l3_image != "-") $readmemh(l3_image, l3.mem, l3_first, l3_last);
            l3.inj_lo = l3_fault_first;
            l3.inj_hi = l3_fault_end;
            repeat (4) @(posedge clk);
            @(negedge clk);
            clock_count = 64'd0;
            rst = 1'b0;
            running = 1'b1;
            console_fd = $fopen(console_path, "w");
            if (!stop) @(posedge stop);
            @(posedge clk);
            @(negedge clk);
            running = 1'b0;
            $fclose(console_fd);
            result_fd = $fopen(result_path, "a");
            $fwrite(result_fd, "status=%0d code=%0d cycles=%0d instret=%0d cause=%h pc=%h tval=%h\n",
                    (status == 2'd0) ? 4 : status, exit_code, cycle, instret,
                    trap_cause, trap_pc, trap_tval);
            if (status == 2'd0 && watch_count > 0) begin
                cpu_hold = 1'b1;
                for (watch_i = 0; watch_i < watch_count; watch_i = watch_i + 1)
                    read_watched(watch_addr[watch_i]);
            end
            $fclose(result_fd);
            if (dump_path != "-")
                $writememh(dump_path, soc.main_memory.storage, dump_first, dump_last);
            if (l3_dump != "-")
                $writememh(l3_dump, l3.mem, l3_dump_first, l3_dump_last);
        end
    endtask

    initial begin
        done = 1'b0;
        running = 1'b0;
        if (!$value$plusargs("jobs=%s", jobs_path)) begin
            $display("hetsoc_sim_top: +jobs=FILE is required");
            $finish;
        end
        watch_count = 0;
        if ($value$plusargs("watch=%s", watch_path)) begin
            watch_fd = $fopen(watch_path, "r");
            if (watch_fd != 0) begin
                if ($fscanf(watch_fd, "%d\n", watch_count) != 1 || watch_count > 256)
                    watch_count = 0;
                for (watch_i = 0; watch_i < watch_count; watch_i = watch_i + 1)
                    if ($fscanf(watch_fd, "%h\n", watch_addr[watch_i]) != 1) watch_count = 0;
                $fclose(watch_fd);
            end
        end
        jobs_fd = $fopen(jobs_path, "r");
        if (jobs_fd == 0) begin
            $display("hetsoc_sim_top: cannot open jobs file %0s", jobs_path);
            $finish;
        end
        n_fields = $fscanf(jobs_fd, "%s %h %d %s %s %s %h %h %s %h %h %s %h %h %h %h\n", image,
                           tohost_in, max_cycles, console_path, result_path, dump_path,
                           dump_first, dump_last, l3_image, l3_first, l3_last, l3_dump,
                           l3_dump_first, l3_dump_last, l3_fault_first, l3_fault_end);
        while (n_fields == 16) begin
            run_job;
            n_fields = $fscanf(jobs_fd, "%s %h %d %s %s %s %h %h %s %h %h %s %h %h %h %h\n",
                               image, tohost_in, max_cycles, console_path, result_path, dump_path,
                               dump_first, dump_last, l3_image, l3_first, l3_last, l3_dump,
                               l3_dump_first, l3_dump_last, l3_fault_first, l3_fault_end);
        end
        $fclose(jobs_fd);
        done = 1'b1;
        // Under cocotb the Python test ends the run once it sees `done`; alone, we end it here.
        if (!$test$plusargs("cocotb")) $finish;
    end
endmodule
