// L3 memory model for the HDL simulators: a 64-bit AXI4 RAM answering INCR bursts at one beat
// per cycle (reads and writes independently, back-to-back bursts without bubbles), the same
// behaviour as hetsoc.hw.axi.ram.AxiRam. The array `mem` is loadable by backdoor
// ($readmemh into hetsoc_sim_top.l3.mem). WORDS must be a power of two; addresses wrap.
//
// An optional fault window, words [ERR_LO, ERR_HI) of the model (after wrapping; empty by
// default), answers like hetsoc.hw.axi.ram.AxiRam's fault windows: read beats there return
// RRESP = ERR_RESP (SLVERR 2'b10 or DECERR 2'b11), write beats there are not stored and make
// their burst's BRESP ERR_RESP. With rresp/bresp left unconnected the model behaves as before.
//
// An optional hang window, words [HANG_LO, HANG_HI) (empty by default), is an L3 that stops
// answering: a read burst starting there is accepted and never answered, a write beat there is
// never taken, until reset. The watchdog tests use it.
//
// Fault injection: a second fault window, words [inj_lo, inj_hi) (registers, empty at time 0),
// answers like the first. A testbench sets it by hierarchical reference between runs
// (sim_top.v does, per job), so a test can put an L3 error anywhere, e.g. over one layer's
// weights or in the middle of a transfer.
`timescale 1ns/1ps

module hetsoc_axi_ram #(
    parameter integer WORDS = 2097152,  // 16 MiB
    parameter integer ERR_LO = 0,
    parameter integer ERR_HI = 0,
    parameter [1:0] ERR_RESP = 2'b11,
    parameter integer HANG_LO = 0,
    parameter integer HANG_HI = 0
) (
    input             clk,
    input             rst,
    input      [31:0] araddr,
    input      [7:0]  arlen,
    input             arvalid,
    output            arready,
    output reg [63:0] rdata,
    output reg [1:0]  rresp,
    output reg        rlast,
    output reg        rvalid,
    input             rready,
    input      [31:0] awaddr,
    input      [7:0]  awlen,
    input             awvalid,
    output            awready,
    input      [63:0] wdata,
    input      [7:0]  wstrb,
    input             wlast,
    input             wvalid,
    output            wready,
    output            bvalid,
    output     [1:0]  bresp,
    input             bready
);
    localparam integer IW = $clog2(WORDS);
    reg [63:0] mem [0:WORDS-1];
    reg [31:0] inj_lo = 32'd0;
    reg [31:0] inj_hi = 32'd0;
    // With the default (empty) window the comparisons are constant, which is the point.
    /* verilator lint_off UNSIGNED */
    function automatic in_fault(input [IW-1:0] index);
        in_fault = ({{(32-IW){1'b0}}, index} >= ERR_LO && {{(32-IW){1'b0}}, index} < ERR_HI)
                   || ({{(32-IW){1'b0}}, index} >= inj_lo && {{(32-IW){1'b0}}, index} < inj_hi);
    endfunction
    function automatic in_hang(input [IW-1:0] index);
        in_hang = {{(32-IW){1'b0}}, index} >= HANG_LO && {{(32-IW){1'b0}}, index} < HANG_HI;
    endfunction
    /* verilator lint_on UNSIGNED */

    // Reads: a beat is fetched when the output slot is free or being taken.
    reg          ractive;
    reg [IW-1:0] raddr;
    reg [8:0]    rleft;
    reg          rhang;     // the burst in progress started in the hang window
    wire issue = ractive && !rhang && (!rvalid || rready);
    assign arready = !ractive || (issue && rleft == 9'd1);
    always @(posedge clk) begin
        if (rst) begin
            ractive <= 1'b0;
            rhang <= 1'b0;
            rvalid <= 1'b0;
            rlast <= 1'b0;
            rresp <= 2'b00;
        end else begin
            if (issue) begin
                rdata <= mem[raddr];
                rresp <= in_fault(raddr) ? ERR_RESP : 2'b00;
                raddr <= raddr + 1'b1;
                rleft <= rleft - 1'b1;
                rlast <= (rleft == 9'd1);
                rvalid <= 1'b1;
                if (rleft == 9'd1) ractive <= 1'b0;
            end else if (rready) begin
                rvalid <= 1'b0;
            end
            if (arvalid && arready) begin
                ractive <= 1'b1;
                raddr <= araddr[IW+2:3];
                rhang <= in_hang(araddr[IW+2:3]);
                rleft <= {1'b0, arlen} + 9'd1;
            end
        end
    end

    // Writes: beats land as they come (except in the fault window); one B response per burst,
    // queued with its code so none is lost (at most 8 owed, plus the burst in progress).
    reg          wactive;
    reg [IW-1:0] waddr;
    reg          werr;      // a beat of the burst in progress hit the fault window
    reg [1:0]    bq [0:15];
    reg [3:0]    bhead, btail;
    reg [4:0]    bcount;
    wire wbeat = wvalid && wready;
    wire wend = wbeat && wlast;
    wire beat_err = in_fault(waddr);
    assign wready = wactive && !in_hang(waddr);
    assign awready = (!wactive || wend) && bcount < 5'd8;
    assign bvalid = bcount != 5'd0;
    assign bresp = bq[bhead];
    integer i;
    always @(posedge clk) begin
        if (rst) begin
            wactive <= 1'b0;
            werr <= 1'b0;
            bhead <= 4'd0;
            btail <= 4'd0;
            bcount <= 5'd0;
        end else begin
            if (wbeat) begin
                if (!beat_err)
                    for (i = 0; i < 8; i = i + 1)
                        if (wstrb[i]) mem[waddr][8*i +: 8] <= wdata[8*i +: 8];
                waddr <= waddr + 1'b1;
                werr <= (werr || beat_err) && !wlast;
                if (wlast) begin
                    wactive <= 1'b0;
                    bq[btail] <= (werr || beat_err) ? ERR_RESP : 2'b00;
                    btail <= btail + 1'b1;
                end
            end
            if (awvalid && awready) begin
                wactive <= 1'b1;
                waddr <= awaddr[IW+2:3];
            end
            if (bvalid && bready) bhead <= bhead + 1'b1;
            bcount <= bcount + (wend ? 5'd1 : 5'd0) - ((bvalid && bready) ? 5'd1 : 5'd0);
        end
    end
endmodule
